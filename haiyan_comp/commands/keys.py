"""`haiyan keys`: the county's document-signing key and certificate (docs/SIGNING.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from haiyan_comp.signing import keys as key_files
from haiyan_comp.signing import pdf


@click.group("keys")
def keys_group() -> None:
    """The county's signing key: every document is signed with it."""


def _target() -> Path:
    path = pdf.key_path()
    if path is None:  # the app factory always names one
        raise click.ClickException("no key path is configured")
    return path


def _report(info: key_files.KeyInfo) -> None:
    click.echo(f"key: {info.path}")
    click.echo(f"certificate: {info.subject}, valid until {info.not_after:%Y-%m-%d}")
    click.echo(f"SHA-256 fingerprint: {info.fingerprint}")
    if pdf.passphrase() is None:
        click.echo(
            "note: the key file is not encrypted (set HAIYAN_SIGNING_PASSPHRASE to encrypt it);"
            " only its owner may read it (0600)"
        )


@keys_group.command("create")
@with_appcontext
@click.option("--subject", default=None, help="The certificate's name (default: <county>财政局).")
@click.option("--force", is_flag=True, help="Replace an existing key (old documents stay valid).")
def create(subject: str | None, force: bool) -> None:
    """Make a self-signed key and certificate for the county."""
    path = _target()
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; use --force to replace it")
    name = subject or f"{current_app.config['COUNTY_NAME']}财政局"
    _report(key_files.create(path, name, pdf.passphrase()))


@keys_group.command("import")
@with_appcontext
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing key.")
def import_key(source: Path, force: bool) -> None:
    """Take a PKCS#12 file (.p12/.pfx) issued by a certification authority; its password comes
    from HAIYAN_KEY_PASSWORD or a prompt."""
    path = _target()
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; use --force to replace it")
    password = os.environ.get("HAIYAN_KEY_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = click.prompt("password of the .p12 file", hide_input=True, default="")
    try:
        info = key_files.import_p12(
            source, (password or "").encode() or None, path, pdf.passphrase()
        )
    except key_files.SigningKeyError as error:
        raise click.ClickException(str(error)) from None
    _report(info)


@keys_group.command("show")
@with_appcontext
def show() -> None:
    """Which key signs the county's documents."""
    try:
        _report(key_files.info(_target(), pdf.passphrase()))
    except key_files.SigningKeyError as error:
        raise click.ClickException(str(error)) from None
