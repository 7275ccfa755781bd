"""The demo county's logins: one per role (and one centre login per institution).

Demo only: the password is printed and the same for every login. A county's
own users are made with `haiyan users create`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.accounts.models import User
from haiyan_comp.accounts.services import create_user
from haiyan_comp.demo.generate import DEMO_INSTITUTIONS

DEMO_PASSWORD = "haiyan-demo"
DemoLogin = tuple[str, str, str]  # (username, role, what it shows)
# Who each login is, as the pages (the ledger's 经办人, the trails) name them.
DISPLAY_NAMES = {"finance": "财务科 王会计", "auditor": "审计组 李审计", "admin": "信息科 张工"}


def display_name(username: str, institution: str | None) -> str | None:
    """A demo login's name in Chinese: the county's officers by office and name, a centre's
    login as its institution's manager; the staff login keeps the staff member's name."""
    names = dict(DEMO_INSTITUTIONS)
    if institution in names:
        return f"{names[institution]} {'院长' if names[institution].endswith('卫生院') else '主任'}"
    return DISPLAY_NAMES.get(username)


def demo_logins() -> list[tuple[str, str, str | None, str | None, str]]:
    """(username, role, institution, staff, what it shows) of every demo login."""
    logins: list[tuple[str, str, str | None, str | None, str]] = [
        ("finance", "finance", None, None, "财务：预算、预付、结算、台账、绩效"),
        ("auditor", "auditor", None, None, "审计：抽样、逐条判定、结案"),
        ("admin", "admin", None, None, "系统管理：用户与接口令牌"),
    ]
    for code, name in DEMO_INSTITUTIONS:
        logins.append((code.lower(), "centre", code, None, f"卫生院：{name}"))
    logins.append(("hy01s001", "staff", None, "HY01S001", "职工：HY01 的第一位职工"))
    return logins


def ensure_demo_users(session: Session) -> list[DemoLogin]:
    """Create the demo logins that are missing; returns (username, role, note) of all."""
    existing = set(session.scalars(select(User.username)))
    shown = []
    for username, role, institution, staff, note in demo_logins():
        if username not in existing:
            create_user(
                session,
                username,
                DEMO_PASSWORD,
                role,
                institution_code=institution,
                staff_code=staff,
                display_name=display_name(username, institution),
                weak_password_ok=True,  # the demo's password is printed: demo only
            )
        shown.append((username, role, note))
    return shown
