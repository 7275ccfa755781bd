"""Signing a PDF for the county (PAdES, with pyHanko) and checking a signed one.

`configure` (called by the app factory) names the key file; the signer is loaded on the
first document and kept. With no key file, documents are issued unsigned and `verify`
says so; `haiyan keys create` (and `haiyan demo`) make one.
"""

from __future__ import annotations

import asyncio
import io
import re
import threading
import warnings
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

FIELD = "County"
T = TypeVar("T")
_DECIMAL = re.compile(r"-?\d{1,3}(?:,\d{3})+\.\d{2}(?!\d)|-?\d+\.\d{2}(?!\d)")


@dataclass
class _Settings:
    path: Path | None = None
    passphrase: bytes | None = None
    signer: Any = None
    certificate: Any = None


_EXTENSION = "haiyan_signing"
_last = _Settings()
_skipping = threading.local()


def configure(path: Path | None, passphrase: str | None, app: Any = None) -> None:
    """Sign with the key file at `path` (None: leave documents unsigned).

    The settings belong to `app` when one is given, so two apps in one process (the
    tests, a command beside a server) each sign with their own key, and no app's
    settings leak to another; without `app`, they serve code outside any app context."""
    global _last
    settings = _Settings(path, passphrase.encode() if passphrase else None)
    if app is None:
        _last = settings
    else:
        app.extensions[_EXTENSION] = settings


def _current() -> _Settings:
    from flask import current_app, has_app_context

    if has_app_context():
        settings = current_app.extensions.get(_EXTENSION)
        if isinstance(settings, _Settings):
            return settings
    return _last


def key_path() -> Path | None:
    """The configured key file's path."""
    return _current().path


def passphrase() -> bytes | None:
    """The configured passphrase of the key file."""
    return _current().passphrase


def _pyhanko() -> None:
    # pyHanko imports cryptography's DSA module, which warns that DSA is deprecated;
    # we sign with EC or RSA only, so the warning says nothing about this product.
    warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko.*")


def _signer() -> Any:
    settings = _current()
    if settings.signer is None:
        path = settings.path
        if path is None or not path.exists():
            return None
        _pyhanko()
        from pyhanko.sign import signers

        signer = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
            path, passphrase=settings.passphrase
        )
        if signer is None:
            from haiyan_comp.signing.keys import SigningKeyError

            raise SigningKeyError(f"{path} cannot be opened with the configured passphrase")
        settings.signer = signer
    return settings.signer


@contextmanager
def unsigned() -> Iterator[None]:
    """Documents made inside are not signed: a rendering only compared, never issued
    (`verify` renders the books' copy of a document to read its printed figures)."""
    _skipping.active = True
    try:
        yield
    finally:
        _skipping.active = False


def sign(pdf: bytes) -> bytes:
    """The PDF signed by the county (PAdES B-B, covering the whole file), or as it is when no
    key is configured."""
    if getattr(_skipping, "active", False):
        return pdf
    signer = _signer()
    if signer is None:
        return pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason="county document", location="",
    )  # fmt: skip
    signed = _synchronously(signers.async_sign_pdf(writer, meta, signer=signer))
    return bytes(signed.getvalue())


def _synchronously(work: Coroutine[Any, Any, T]) -> T:
    """Run pyHanko's coroutine to its end from synchronous code: on this thread when no event
    loop runs here, else on a thread of its own (a worker or a test may run a loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


@dataclass(frozen=True)
class SignatureCheck:
    """What a file's signature says: `valid`, `broken` or `absent`, and why."""

    state: str
    detail: str = ""

    @property
    def valid(self) -> bool:
        """Signed by the county and unchanged since, over the whole file."""
        return self.state == "valid"


def check_signature(pdf: bytes) -> SignatureCheck:
    """Whether `pdf` carries the county's signature, intact and covering the whole file."""
    _pyhanko()
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception:  # a file pyHanko cannot parse carries no signature we know
        return SignatureCheck("absent", "unreadable")
    if not signatures:
        return SignatureCheck("absent")
    roots = []
    settings = _current()
    if settings.path is not None and settings.path.exists():
        from haiyan_comp.signing.keys import certificate_of

        certificate = certificate_of(settings.path, settings.passphrase)
        roots.append(
            asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
        )
    try:
        context = ValidationContext(trust_roots=roots)
        status = _synchronously(async_validate_pdf_signature(signatures[-1], context))
    except Exception as error:  # a malformed signature is a broken one
        return SignatureCheck("broken", f"unreadable signature ({type(error).__name__})")
    if not status.intact or not status.valid:
        return SignatureCheck("broken", "the file changed after signing")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck("broken", "content was added after signing")
    if not status.trusted:
        return SignatureCheck("broken", "signed by a key that is not the county's")
    return SignatureCheck("valid")


def subject(pdf: bytes) -> str | None:
    """The document's Subject, decoded whatever way the last tool wrote it (literal string
    with escapes, hex string, in an incremental update or an object stream)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        metadata = PdfReader(io.BytesIO(pdf), strict=False).metadata
    except (PyPdfError, ValueError, KeyError, TypeError):
        return None
    value = None if metadata is None else metadata.get("/Subject")
    return None if value is None else str(value)


def printed_decimals(pdf: bytes) -> list[str]:
    """Every figure with two decimals printed on the pages, in reading order, without
    thousands separators ('8,493.85' → '8493.85')."""
    from pypdf import PdfReader

    found: list[str] = []
    for page in PdfReader(io.BytesIO(pdf), strict=False).pages:
        found += [m.replace(",", "") for m in _DECIMAL.findall(page.extract_text() or "")]
    return found
