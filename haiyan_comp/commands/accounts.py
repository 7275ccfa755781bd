"""`haiyan users …` and `haiyan tokens …` (the administrator's commands)."""

from __future__ import annotations

import getpass
import sys

import click
from flask.cli import AppGroup

from haiyan_comp.accounts.roles import ROLES, TOKEN_ROLE_CHOICES
from haiyan_comp.api.schemas_admin import token_document, tokens_document, users_document
from haiyan_comp.cli import ID, domain_errors, emit_json, json_option
from haiyan_comp.operations import accounts


@click.group("users", cls=AppGroup)
def users() -> None:
    """People who sign in to the web application."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = click.prompt("password", hide_input=True, confirmation_prompt=True)
    return password


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--institution", "institution_code", default=None, help="For a centre user.")
@click.option("--staff", "staff_code", default=None, help="For a staff user: their staff code.")
@click.option("--name", "display_name", default=None, help="The name shown on pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@domain_errors
def create_user(
    username: str,
    role: str,
    institution_code: str | None,
    staff_code: str | None,
    display_name: str | None,
    password_stdin: bool,
) -> None:
    """Create a user (the password is asked for, or read from stdin)."""
    password = _read_password(password_stdin)
    user = accounts.create_user(
        username,
        password,
        role,
        institution_code=institution_code,
        staff_code=staff_code,
        display_name=display_name,
    )
    scope = f" of {user.institution_code}" if user.institution_code else ""
    click.echo(f"created {user.role} user {user.username}{scope}")


@users.command("disable")
@click.argument("username")
@domain_errors
def disable_user(username: str) -> None:
    """Disable a user: their sessions end at once and they cannot sign in."""
    accounts.set_active(username, False)
    click.echo(f"disabled {username}; their sessions are closed")


@users.command("enable")
@click.argument("username")
@domain_errors
def enable_user(username: str) -> None:
    """Let a disabled user sign in again."""
    accounts.set_active(username, True)
    click.echo(f"enabled {username}")


@users.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@domain_errors
def set_password(username: str, password_stdin: bool) -> None:
    """Set a new password; the user's open sessions end."""
    accounts.set_password(username, _read_password(password_stdin))
    click.echo(f"new password set for {username}; their sessions are closed")


@users.command("list")
@json_option
@domain_errors
def list_users(as_json: bool) -> None:
    """Every user, with role, institution and whether they may sign in."""
    document = users_document(accounts.user_list(by_name=True))
    if as_json:
        emit_json(document)
        return
    found = document["users"]
    for u in found:
        state = "" if u["active"] else "  (disabled)"
        click.echo(
            f"{u['username']:<20}{u['role']:<9}{u['institution'] or '-':<8}{u['name']}{state}"
        )


@click.group("tokens", cls=AppGroup)
def tokens() -> None:
    """API tokens for machines (the regional health-information platform)."""


@tokens.command("create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(TOKEN_ROLE_CHOICES),
    default="platform",
    show_default=True,
    help="platform: pushes records and reads units; centre: one institution's work.",
)
@click.option("--institution", "institution_code", default=None, help="Scope to one institution.")
@json_option
@domain_errors
def create_token(name: str, role: str, institution_code: str | None, as_json: bool) -> None:
    """Create a token; its secret is printed once and cannot be shown again."""
    issued = accounts.create_token(name, role, institution_code, f"cli:{getpass.getuser()}")
    if as_json:
        emit_json({**token_document(issued.token), "token": issued.secret})
        return
    scope = issued.token.institution_code or "the county"
    click.echo(f"token #{issued.token.id} ({issued.token.role}, {scope}): {issued.secret}")
    click.echo("keep it now: it is stored hashed and cannot be shown again", err=True)


@tokens.command("list")
@json_option
@domain_errors
def list_tokens(as_json: bool) -> None:
    """Every token, with its scope, when it was last used and whether it is revoked."""
    document = tokens_document(accounts.token_list())
    if as_json:
        emit_json(document)
        return
    found = document["tokens"]
    for t in found:
        state = (
            f"revoked {t['revoked_at']}"
            if t["revoked_at"]
            else f"last used {t['last_used_at'] or 'never'}"
        )
        click.echo(
            f"#{t['id']:<4}{t['prefix']}…  {t['role']:<9}{t['institution'] or 'county':<8}"
            f"{t['name']}  ({state})"
        )


@tokens.command("revoke")
@click.argument("token_id", type=ID)
@domain_errors
def revoke_token(token_id: int) -> None:
    """Revoke a token: it stops working at once."""
    token = accounts.revoke_token(token_id)
    click.echo(f"token #{token.id} ({token.name}) revoked")
