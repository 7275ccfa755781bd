"""The ledger in people's words: descriptions by code, accounts and who by name.

An entry's description is stored as a message code and its parameters (JSON:
whole numbers for years and instalments, fen for amounts, ISO dates), beside
the English that the command line and the API have always printed. A page
rebuilds the message in the reader's language from the code and parameters.

A service books a `Description`: one of the ledger's message templates
(messages.py) and its parameters, from which the English column is written as
it always read. `describe` reads an English sentence of the kinds the services
used to write back into its code and parameters: it is kept for migrating the
entries booked before codes were stored (migration 0012), nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from haiyan_comp.ledger import messages as m
from haiyan_comp.messages import Message, Template, templates
from haiyan_comp.money import format_grouped, format_hundredths

MONEY_PARAMS = frozenset({"offset", "final"})  # parameters held in fen
_FEN = r"(-?\d+\.\d{2})"


@dataclass(frozen=True)
class Description:
    """What an entry says: a ledger message template and its parameters as stored (whole
    numbers for years and instalments, fen for amounts, ISO dates, the user's words)."""

    template: Template
    params: Mapping[str, Any]

    @property
    def english(self) -> str:
        """The English column (amounts as 1234.56), as the command line has always read it."""
        return english(self.template, self.params)


def said(template: Template, **params: Any) -> Description:
    """An entry's description: `said(INSTALMENT, number=4, year=2018, due="2018-10-01")`."""
    missing = template.names - params.keys()
    if missing:
        raise ValueError(f"{template.code} needs {sorted(missing)}")
    return Description(template, params)


def _fen(text: str) -> int:
    whole, _, cents = text.lstrip("-").partition(".")
    value = int(whole) * 100 + int(cents)
    return -value if text.startswith("-") else value


def _instalment(g: re.Match[str]) -> tuple[Template, dict[str, Any]]:
    params: dict[str, Any] = {"number": int(g[1]), "year": int(g[2]), "due": g[3]}
    if g[4] is None:
        return m.INSTALMENT, params
    return m.INSTALMENT_OFFSET, {**params, "offset": _fen(g[4])}


_Reader = Callable[[re.Match[str]], tuple[Template, dict[str, Any]]]
_SENTENCES: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (
        re.compile(
            rf"instalment (\d+) of (\d+), due (\d{{4}}-\d\d-\d\d)(?:; {_FEN} offsets debt)?"
        ),
        _instalment,
    ),
    (
        re.compile(r"settlement of (\d+): shortfall from the risk fund"),
        lambda g: (m.RISK_FUND_DRAW, {"year": int(g[1])}),
    ),
    (
        re.compile(rf"settlement of (\d+): prepayments count towards the final {_FEN}"),
        lambda g: (m.SETTLEMENT, {"year": int(g[1]), "final": _fen(g[2])}),
    ),
    (
        re.compile(r"settlement of (\d+): top-up of the balance"),
        lambda g: (m.TOP_UP, {"year": int(g[1])}),
    ),
    (
        re.compile(
            r"settlement of (\d+): prepaid more than the final amount; "
            r"cleared from later instalments \(R14\)"
        ),
        lambda g: (m.DEBT, {"year": int(g[1])}),
    ),
    (
        re.compile(r"corrects (\d+): (.*)", re.DOTALL),
        lambda g: (m.ADJUSTMENT, {"corrects": int(g[1]), "reason": g[2]}),
    ),
)


def describe(reason: str) -> tuple[str, dict[str, Any]]:
    """The code and parameters of an old entry's English description, read back (for
    migrating the entries booked before codes were stored; see the module's docstring)."""
    if isinstance(reason, Message):
        params = {
            name: _fen(value) if name in MONEY_PARAMS and isinstance(value, str) else value
            for name, value in reason.params.items()
        }
        return reason.code, params
    for pattern, read in _SENTENCES:
        found = pattern.fullmatch(reason)
        if found:
            template, params = read(found)
            if english(template, params) == reason:  # read back exactly, or kept as a note
                return template.code, params
    return m.NOTE.code, {"text": reason}


def english(template: Template, params: Mapping[str, Any]) -> str:
    """The English an entry with this code and these parameters says (as stored)."""
    return str(_message(template, params, grouped=False))


def description(code: str, params_json: str, reason: str) -> str:
    """An entry's description as a message (amounts with thousands separators), for the
    page to show in the reader's language; the stored English when the code is unknown."""
    template = templates().get(code)
    if template is None:
        return reason
    try:
        return _message(template, json.loads(params_json), grouped=True)
    except (ValueError, KeyError, IndexError, TypeError):
        return reason


def _message(template: Template, params: Mapping[str, Any], *, grouped: bool) -> Message:
    shown = {
        name: (amount_text(value) if grouped else format_hundredths(value))
        if name in MONEY_PARAMS and isinstance(value, int)
        else value
        for name, value in params.items()
    }
    return template(**shown)


def amount_text(fen: int) -> str:
    """Fen as people read money: 123456789 → '1,234,567.89'."""
    return format_grouped(fen)


# ------------------------------------------------------------------ accounts and people

_ACCOUNTS = {"cash": m.ACCOUNT_CASH, "risk_fund": m.ACCOUNT_RISK_FUND}


def account_name(account: str, names: Mapping[str, str]) -> str:
    """An account as a finance officer calls it (a message: 预付款 · <name> · 2018年度 in
    Chinese for prepaid:HY09:2018); `names` maps institution codes to their names. An
    account of an unknown shape is shown as it is."""
    if account in _ACCOUNTS:
        return _ACCOUNTS[account]()
    kind, _, rest = account.partition(":")
    parts = rest.split(":")
    if kind == "prepaid" and len(parts) == 2:
        return m.ACCOUNT_PREPAID(institution=names.get(parts[0], parts[0]), year=parts[1])
    if kind == "debt" and len(parts) == 1:
        return m.ACCOUNT_DEBT(institution=names.get(parts[0], parts[0]))
    if kind == "purchase" and len(parts) == 1:
        return m.ACCOUNT_PURCHASE(year=parts[0])
    if kind == "adjustment" and len(parts) == 1:
        return m.ACCOUNT_ADJUSTMENT(year=parts[0])
    return account


_CHANNELS = {"cli": m.BY_CLI, "api": m.BY_API, "token": m.BY_TOKEN}
_MACHINES = {"scheduler": m.BY_SCHEDULER, "demo": m.BY_DEMO}


def who_name(created_by: str, display_names: Mapping[str, str]) -> str:
    """Who booked an entry, by name (a message where it is not a person's own name):
    web:finance → the user's display name, cli:root → 命令行（root）, api:finance →
    <display name>（接口）, scheduler (or scheduler@host) → 定时任务."""
    machine = created_by.partition("@")[0]  # scheduler@host: the scheduler of a machine
    if machine in _MACHINES:
        return _MACHINES[machine]()
    channel, sep, name = created_by.partition(":")
    if not sep:
        return created_by
    if channel == "web":
        return display_names.get(name, name)
    if channel == "api":
        return m.BY_API(name=display_names.get(name, name))
    if channel in _CHANNELS:
        return _CHANNELS[channel](name=name)
    return created_by
