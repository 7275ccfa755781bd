"""What the finance pages share: the blueprint, its menu, and form and page helpers."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    g,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from haiyan_comp import bounds
from haiyan_comp.bounds import DecimalBound
from haiyan_comp.errors import InvalidInput
from haiyan_comp.money import AmountError, format_percent, parse_decimal
from haiyan_comp.operations import budget as operations
from haiyan_comp.operations.budget import YearFrame
from haiyan_comp.web.inputs import amount_problem, percent_fraction, plain_amount, whole_arg
from haiyan_comp.web.layout import nav

bp = Blueprint("finance", __name__, url_prefix="/finance")
nav("finance", "年度概览", "finance.home", 10)
nav("finance", "年度配置", "finance.configure", 20)
nav("finance", "分期预付", "finance.prepayments", 30)
nav("finance", "年终结算", "finance.settlement", 40)
nav("finance", "资金台账", "finance.ledger", 50)
nav("finance", "考核与奖励", "finance.assessments", 60)
nav("finance", "结算单据", "finance.statements", 70)

Page = str | tuple[str, int]
LEDGER_PAGE = 100
ZIP_NAME = re.compile(r"^statements-(\d{4})-([A-Za-z0-9_-]{8,40})\.zip$")
RATIO_SCALE = 10_000  # ratios are stored in ten-thousandths


def _by() -> str:
    """Who did it, as the trail and the ledger record it."""
    return f"web:{current_user.username}"


def _year_arg(name: str = "year") -> int:
    """The year asked for (?year=), else the latest configured year, else this year."""
    asked = whole_arg(name, bounds.YEAR, request.values)
    if asked is not None:
        return asked
    latest = operations.latest_year()
    return latest if latest is not None else date.today().year


def _page_year(name: str = "year") -> int:
    """The year asked for (?year=), else the latest configured year, else this year.

    Its page's frame is read at the same time (one read, kept for the request).
    """
    return _frame(whole_arg(name, bounds.YEAR, request.values)).year


def _frame(year: int | None) -> YearFrame:
    """The years, institutions and settlement every finance page shows around its table."""
    frames: dict[int | None, YearFrame] = g.setdefault("finance_frames", {})
    if year not in frames:
        frame = operations.year_frame(year)
        frames[year] = frames[frame.year] = frame
    return frames[year]


def _known_years() -> list[int]:
    """Every year the system knows (configured or with records), newest first."""
    return operations.year_frame(date.today().year).years


def _date_arg(text: str | None, default: date) -> date:
    """A YYYY-MM-DD field, or the default when empty; InvalidInput otherwise."""
    text = (text or "").strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("日期须为 YYYY-MM-DD，收到“%(text)s”", text=text)) from None


def ratio_text(value: int | None) -> str:
    """Ten-thousandths as the fraction a form takes: 8000 → '0.80', 1250 → '0.125'."""
    if value is None:
        return ""
    text = f"{value // RATIO_SCALE}.{value % RATIO_SCALE:04d}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return text


def percent_value(value: int | None) -> str:
    """Ten-thousandths as a form's percentage: 8000 → '80%', 1250 → '12.5%', None → ''."""
    return "" if value is None else percent_text(value)


def percent_text(value: int | None) -> str:
    """Ten-thousandths as a percentage: 8000 → '80%', 1250 → '12.5%'."""
    return "—" if value is None else format_percent(value)


def _render(template: str, status: int = 200, **context: Any) -> Page:
    page = render_template(template, **context)
    return page if status == 200 else (page, status)


class FormErrors(dict[str, str]):
    """Field name → what is wrong with it (shown next to the field)."""

    def money(
        self,
        form: MultiDict[str, str],
        name: str,
        *,
        required: bool = True,
        negative: bool = False,
        bound: DecimalBound = bounds.AMOUNT,
        too_large: str | None = None,
    ) -> int | None:
        """Yuan (units, a score) text → hundredths within `bound`, as commands.amount reads it.

        `too_large` says what a value beyond the bound breaks, when the bound is a rule.
        """
        return self._parse(form, name, required, bound, negative, too_large)

    def fraction(
        self, form: MultiDict[str, str], name: str, *, required: bool = True
    ) -> int | None:
        """A percentage ("80%", "80"; or a fraction 0.80) → ten-thousandths."""
        return self._parse(form, name, required, bounds.RATIO, False)

    def _parse(
        self, form: MultiDict[str, str], name: str, required: bool, bound: DecimalBound,
        negative: bool, too_large: str | None = None,
    ) -> int | None:  # fmt: skip
        text = form.get(name, "").strip()
        if not text:
            if required:
                self[name] = _("必填")
            return None
        text = percent_fraction(text) if bound is bounds.RATIO else plain_amount(text)
        try:
            return parse_decimal(text, bound, what=name, allow_negative=negative)
        except AmountError as exc:
            self[name] = amount_problem(exc, text, too_large)
            return None
