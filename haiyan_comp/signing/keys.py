"""The county's signing key and certificate, kept as one PKCS#12 file.

`haiyan keys create` makes a self-signed ECDSA P-256 key and certificate (ten years);
`haiyan keys import FILE.p12` takes one a certification authority issued. The file lives
at HAIYAN_SIGNING_KEY (default: instance/signing/county.p12), readable by its owner only
(0600), encrypted with HAIYAN_SIGNING_PASSPHRASE when that is set (docs/SIGNING.md).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

FRIENDLY_NAME = b"haiyan-county"
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class SigningKeyError(ValueError):
    """A key file that cannot be used: missing, unreadable, or the wrong passphrase."""


@dataclass(frozen=True)
class KeyInfo:
    """What a key file holds, as `haiyan keys` reports it."""

    path: Path
    subject: str
    not_after: datetime.datetime
    fingerprint: str  # SHA-256 of the certificate, hex


def create(path: Path, subject: str, passphrase: bytes | None, *, days: int = 3650) -> KeyInfo:
    """A new self-signed key and certificate for `subject`, written to `path` (0600)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, subject),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
    ])  # fmt: skip
    now = datetime.datetime.now(datetime.UTC)
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    _write(path, key, certificate, passphrase)
    return info(path, passphrase)


def import_p12(
    source: Path, password: bytes | None, path: Path, passphrase: bytes | None
) -> KeyInfo:
    """Take a PKCS#12 file issued elsewhere: re-encrypted with our passphrase, kept at `path`."""
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(source.read_bytes(), password)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(
            f"{source} is not a PKCS#12 file this password opens ({error})"
        ) from None
    if key is None or certificate is None:
        raise SigningKeyError(f"{source} holds no private key and certificate")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningKeyError(f"{source}: only RSA and EC keys can sign documents")
    _write(path, key, certificate, passphrase)
    return info(path, passphrase)


def _write(
    path: Path, key: PrivateKey, certificate: x509.Certificate, passphrase: bytes | None
) -> None:
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(
        FRIENDLY_NAME,
        key,
        certificate,
        None,
        encryption,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    os.replace(temporary, path)


def certificate_of(path: Path, passphrase: bytes | None) -> x509.Certificate:
    """The certificate in the key file (SigningKeyError if it cannot be read)."""
    try:
        _key, certificate, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
    except FileNotFoundError:
        raise SigningKeyError(f"no signing key at {path}: run `haiyan keys create`") from None
    except (ValueError, TypeError):
        raise SigningKeyError(f"{path} cannot be opened with the configured passphrase") from None
    if certificate is None:
        raise SigningKeyError(f"{path} holds no certificate")
    return certificate


def info(path: Path, passphrase: bytes | None) -> KeyInfo:
    """The subject, expiry and fingerprint of the key file's certificate."""
    certificate = certificate_of(path, passphrase)
    subject = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return KeyInfo(
        path,
        str(subject[0].value) if subject else certificate.subject.rfc4514_string(),
        certificate.not_valid_after_utc,
        certificate.fingerprint(hashes.SHA256()).hex(),
    )
