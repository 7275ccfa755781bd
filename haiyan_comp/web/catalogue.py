"""The catalogue of each year, for every role: items, values, caps, rules, and what changed."""

from __future__ import annotations

import re

from flask import Blueprint, render_template

from haiyan_comp import bounds
from haiyan_comp.catalogue.messages import unit_name
from haiyan_comp.operations.catalogue import year_catalogue
from haiyan_comp.web.access import allow
from haiyan_comp.web.inputs import whole_arg
from haiyan_comp.web.layout import nav, reason

bp = Blueprint("catalogue", __name__)
for _role, _order in (("finance", 80), ("auditor", 80), ("centre", 80), ("staff", 80)):
    nav(_role, "服务项目目录", "catalogue.show", _order)
nav("admin", "服务项目目录", "catalogue.show", 80)

# How the catalogue names where a value comes from, as a person reads it.
_SOURCE_KINDS = {"documented": "有据可查", "derived": "本项目测算"}
# The publications the reconstructed catalogue cites (catalog/README.md), in Chinese.
_CITED = (
    ("Changping District", "北京市昌平区标化工作当量方案（PMC11720310，表 2）"),
    (
        "Zhejiang provincial health commission",
        "浙江省卫生健康委员会关于海盐改革的发布（2019 年 4 月）",
    ),
)
_MINUTES = re.compile(r"(\d+) min")
_BASE = re.compile(r"÷ 15 = (\d+\.\d\d)")
_ADDED = re.compile(r"\+(\d+\.\d\d)")
_FINAL = re.compile(r"= (\d+\.\d\d)\s*$")


@bp.app_template_filter("unit")
def unit(token: str | None) -> str:
    """A counting unit in the reader's language (人次、床日 … for visit, bed-day)."""
    return "" if token is None else reason(unit_name(token))


def source_parts(source: str) -> tuple[str | None, str]:
    """Where a value comes from, in Chinese: ('有据可查', the publication) or ('本项目测算',
    the standard time and adjustment); a source in other words is shown as it is."""
    kind, colon, rest = source.partition(":")
    label = _SOURCE_KINDS.get(kind.strip().lower()) if colon else None
    if label is None:
        return None, source
    rest = rest.strip()
    if kind.strip().lower() == "documented":
        cited = next((zh for en, zh in _CITED if en in rest), None)
        return label, cited or rest
    return label, _derivation(rest)


def _derivation(text: str) -> str:
    """'standard time 24 min ÷ 15 = 1.60, +0.40 for … = 2.00' → its figures in Chinese."""
    minutes, base, final = _MINUTES.search(text), _BASE.search(text), _FINAL.search(text)
    if not (minutes and base and final):
        return text
    said = f"标准工时约 {minutes.group(1)} 分钟，÷ 15 = {base.group(1)}"
    added = _ADDED.search(text[base.end() :])
    if added:
        said += f"，另加 {added.group(1)}（风险、资源消耗或难度）"
    return f"{said}，计 {final.group(1)}"


@bp.get("/catalogue")
@allow("finance", "auditor", "centre", "staff", "admin")
def show() -> str:
    """A year's catalogue (?year=, else the latest) against the previous year's."""
    catalogue = year_catalogue(whole_arg("year", bounds.YEAR))
    return render_template(
        "catalogue/year.html", catalogue=catalogue, year=catalogue.year, source_parts=source_parts
    )
