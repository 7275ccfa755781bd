"""What the accounts say to people, by code (Chinese in messages/zh/accounts.po)."""

from __future__ import annotations

from collections.abc import Sequence

from haiyan_comp.messages import define

# A password that will not do (accounts/passwords.py), about the field "password".
PASSWORD_TOO_SHORT = define("password_too_short", "at least {least} characters")
PASSWORD_TOO_LONG = define("password_too_long", "at most {most} characters")
PASSWORD_WEAK = define(
    "password_weak",
    "too easy to guess (strength {score} of 4, at least {least} needed); "
    "use a longer phrase of unrelated words, not a name, date or common password",
)

# A user that cannot be created.
USER_REFUSED = define("user_refused", "the user cannot be created: {problems}")
PROBLEMS_JOINED = define("account_problems_joined", "{first}; {rest}")
USERNAME_FORM = define("user_username_form", "1 to 64 printable characters without spaces")
ROLE_UNKNOWN = define("user_role_unknown", "{role} is not one of {roles}")
STAFF_NEEDED = define("staff_user_needs_staff", "a staff user needs --staff CODE")
NO_STAFF = define("user_no_staff_member", "no staff member {code}")
STAFF_ELSEWHERE = define(
    "staff_of_another_institution", "staff {staff} belongs to {belongs_to}, not {given}"
)
INSTITUTION_NEEDED = define(
    "centre_user_needs_institution", "a centre user needs --institution CODE"
)
NO_INSTITUTION = define("user_no_institution", "no institution {code}")
COUNTY_WIDE = define("user_county_wide", "a {role} user works for the whole county; drop it")
USER_EXISTS = define("user_exists", "user {username} exists already; choose another name")
NO_USER = define("user_not_found", "no user {username}")

# API tokens.
TOKEN_ROLE = define(
    "token_role_unknown", "a token's role is finance, auditor, centre or platform, not {role}"
)
TOKEN_NAME = define("token_name_missing", "say what the token is for, e.g. 'regional platform'")
TOKEN_NEEDS_INSTITUTION = define(
    "centre_token_needs_institution", "a centre token needs --institution CODE"
)
TOKEN_COUNTY_WIDE = define(
    "token_county_wide", "a {role} token works for the whole county; drop it"
)
NO_TOKEN = define("token_not_found", "no API token #{id}")

# Who may do what (web/access.py).
OPEN_TO_NOBODY = define("access_open_to_nobody", "this page is not open to anybody")
ROLE_MAY_NOT = define("access_role_may_not", "the {role} role may not do this")
NOT_YOUR_INSTITUTION = define("access_no_institution", "no institution {code}")
NOT_YOUR_OBJECT = define("access_no_object", "no such object")


# A role's name, as a parameter of the messages above (English: the role itself).
ROLE_NAME = {
    role: define(f"role_name_{role}", role)
    for role in ("finance", "auditor", "centre", "staff", "admin", "platform")
}


def role_name(role: str) -> str:
    """The role as a message names it (its Chinese name on pages), or as given if unknown."""
    template = ROLE_NAME.get(role)
    return template() if template is not None else role


def joined(problems: Sequence[str]) -> str:
    """Problems one after another, separated by semicolons, as one message."""
    if not problems:
        return ""
    text: str = problems[-1]
    for problem in reversed(problems[:-1]):
        text = PROBLEMS_JOINED(first=problem, rest=text)
    return text


# Changing one's own password, and an administrator's one-time password (accounts/reset.py).
OLD_PASSWORD_WRONG = define("password_old_wrong", "the current password is not right")
PASSWORD_UNCHANGED = define(
    "password_unchanged", "the new password must differ from the current one"
)
PASSWORDS_DIFFER = define("passwords_differ", "the two new passwords are not the same")
