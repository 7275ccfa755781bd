"""The roles a person or a machine may have, and their names on the pages."""

from __future__ import annotations

ROLES = ("finance", "auditor", "centre", "staff", "admin")
# Tokens may also carry `platform`: the regional platform that pushes records.
TOKEN_ROLES = (*ROLES, "platform")
# The roles a new API token may have (people's roles staff and admin are not for machines).
TOKEN_ROLE_CHOICES = tuple(role for role in TOKEN_ROLES if role not in ("staff", "admin"))
ROLE_NAMES = {
    "finance": "财务",
    "auditor": "审计",
    "centre": "卫生院",
    "staff": "职工",
    "admin": "系统管理员",
    "platform": "区域平台",
}
