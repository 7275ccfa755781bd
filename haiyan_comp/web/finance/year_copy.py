"""Year to year on the configure page: 从上年复制, and where the year's figures come from.

`sources` is what the configure page's 数据来源 card shows (finance/_year_sources.html);
the button posts here and copies the previous year's configuration and catalogue
into the year where it has none yet (operations/years.py), then finance edits them.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.errors import DomainError
from haiyan_comp.operations.years import YearSources, copy_previous_year, year_sources
from haiyan_comp.web.access import allow
from haiyan_comp.web.finance.common import _by, _page_year, bp
from haiyan_comp.web.layout import reason

# R11's bases, as the page says where the prepayment split comes from (their English is in
# the English catalogue by hand: the extractor sees only literal _() calls).
BASES = {
    "last_year_final": "按 %(prev)s 年度各机构的结算金额分配（上年已在系统中结算）",
    "weights": "按本年录入的权重分配（%(prev)s 年度未在系统中结算）",
    "equal": "各机构平均分配（%(prev)s 年度未在系统中结算，也未录入权重）",
    "outright": "按本年直接录入的各机构预付总额",
}


@bp.app_template_global("year_sources")
def sources(year: int) -> YearSources:
    """Where `year`'s configuration, catalogue, growth-cap base and prepayment split come from.

    The configure page's 数据来源 card reads it (finance/_year_sources.html).
    """
    return year_sources(year)


@bp.app_template_global("prepayment_basis")
def basis_text(basis: str | None, year: int) -> str:
    """R11's basis of `year` in words."""
    if basis is None:
        return str(_("年度配置后确定"))
    return str(_(BASES.get(basis, basis), prev=year - 1))


@bp.app_template_global("copy_offer")
def copy_offer(offer: YearSources) -> str:
    """What 从上年复制 would copy into the year, in words."""
    what = []
    if not offer.configured and offer.previous_configured:
        what.append(_("配置"))
    if not offer.items and offer.previous_items:
        what.append(_("服务项目目录"))
    return "、".join(what)


@bp.post("/configure/copy")
@allow("finance")
def configure_copy() -> BaseResponse:
    """从上年复制: the previous year's configuration and catalogue, where the year has none."""
    year = _page_year()
    try:
        copied = copy_previous_year(year, _by())
    except DomainError as exc:
        flash(reason(exc.message), "error")
        return redirect(url_for("finance.configure", year=year))
    what = []
    if copied.configuration:
        what.append(_("年度配置"))
    if copied.items:
        what.append(_("服务项目目录（%(n)s 项）", n=copied.items))
    flash(
        _("已从 %(source)s 年度复制%(what)s，请按本年情况修改。",
          source=copied.source, what="、".join(what)),
        "success",
    )  # fmt: skip
    return redirect(url_for("finance.configure", year=year))
