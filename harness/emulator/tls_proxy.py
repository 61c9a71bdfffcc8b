"""AWS's own API URLs answered by the embedded stack: `https://{api}.execute-api.{region}.amazonaws.com/{stage}/`,
as a template's Outputs build them, reach the stack when the client uses it as its HTTPS proxy.

The stack accepts `CONNECT {api}.execute-api.{region}.amazonaws.com:443` (those hosts only; any other is 403),
then speaks TLS with a certificate for that host signed by a certificate authority made on this machine, and
serves the requests inside as the API's (gateway/parse.py reads the Host). `harness env` exports
`HTTPS_PROXY` (the stack), `NO_PROXY` (loopback), and `REQUESTS_CA_BUNDLE` / `SSL_CERT_FILE` / `AWS_CA_BUNDLE`
(a bundle of that authority and certifi's), so `requests`, `urllib3`, `httpx` and the AWS SDKs verify it. The
authority lives in `HARNESS_TLS_DIR` (default `~/.cache/harness/tls`), its key readable by its owner only;
the key never leaves the machine and the authority signs only execute-api host names.
Left out: plain-HTTP proxying, clients that ignore HTTPS_PROXY (curl needs `--proxy`/`-x`, or the variable in
lower case), other AWS hosts (the SDKs use AWS_ENDPOINT_URL instead).
"""
from __future__ import annotations

import datetime
import os
import re
import ssl
import threading
from pathlib import Path

PROXIED = re.compile(r"^[a-z0-9]{1,64}\.execute-api\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$")
_lock = threading.Lock()
_contexts: dict[str, ssl.SSLContext] = {}


def tls_dir() -> Path:
    return Path(os.environ.get("HARNESS_TLS_DIR") or Path.home() / ".cache" / "harness" / "tls")


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _authority() -> tuple[object, object]:
    """(certificate, key) of this machine's authority, made on first use."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tls_dir()
    cert_file, key_file = folder / "ca.pem", folder / "ca-key.pem"
    if cert_file.exists() and key_file.exists():
        return (x509.load_pem_x509_certificate(cert_file.read_bytes()),
                serialization.load_pem_private_key(key_file.read_bytes(), password=None))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "harness local execute-api CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.NameConstraints(permitted_subtrees=[x509.DNSName("amazonaws.com")],
                                                excluded_subtrees=None), critical=True)
            .sign(key, hashes.SHA256()))
    _write_private(key_file, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    _write_private(cert_file, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def bundle_path() -> Path:
    """A CA bundle: this machine's authority and certifi's (so other HTTPS hosts still verify)."""
    from cryptography.hazmat.primitives import serialization

    with _lock:
        cert, _ = _authority()
        bundle = tls_dir() / "bundle.pem"
        ours = cert.public_bytes(serialization.Encoding.PEM)  # type: ignore[attr-defined]
        if not bundle.exists() or not bundle.read_bytes().startswith(ours):
            try:
                import certifi

                others = Path(certifi.where()).read_bytes()
            except ImportError:  # no certifi: the authority alone
                others = b""
            _write_private(bundle, ours + others)
        return bundle


def context_for(host: str) -> ssl.SSLContext | None:
    """A server TLS context with a certificate for `host`, or None when the stack does not answer for it."""
    host = host.lower()
    if not PROXIED.match(host):
        return None
    with _lock:
        known = _contexts.get(host)
        if known is not None:
            return known
        context = _make_context(host)
        if len(_contexts) > 256:
            _contexts.clear()
        _contexts[host] = context
        return context


def _make_context(host: str) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca_cert, ca_key = _authority()
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())  # type: ignore[attr-defined]
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    chain = tls_dir() / "hosts" / f"{host}.pem"
    _write_private(chain, cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return context
