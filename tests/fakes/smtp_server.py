"""An aiosmtpd SMTP server on loopback that requires STARTTLS, then AUTH (LOGIN / PLAIN), as real relays do.

The TLS certificate is self-signed for 127.0.0.1 and generated with `cryptography` on the fly; clients
trust it through `ca_file`. Received messages are kept in `messages` (envelope + parsed message).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USERNAME = "sira@example.org"
PASSWORD = "fake-smtp-password"


def make_self_signed_cert(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host)),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    authenticated_as: str | None


class _Handler:
    def __init__(self, fake: FakeSmtpServer):
        self.fake = fake

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        refusal = self.fake.refuse.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with self.fake.lock:
            self.fake.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, login))
        return "250 Message accepted for delivery"


class FakeSmtpServer:
    def __init__(self, directory: Path, username: str = USERNAME, password: str = PASSWORD):
        self.username, self.password = username, password
        self.cert_file, key_file = make_self_signed_cert(directory)
        self.ca_file = str(self.cert_file)
        self.messages: list[ReceivedMail] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply, e.g. "550 5.1.1 No such user"
        self.lock = threading.Lock()
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert_file, key_file)
        self.host, self.port = "127.0.0.1", _free_port()
        self.controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, tls_context=tls, require_starttls=True,
            authenticator=self._authenticate, auth_required=True, auth_require_tls=True,
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (mechanism in ("LOGIN", "PLAIN") and isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == self.username and auth_data.password.decode() == self.password)
        # handled=False: let aiosmtpd answer 535 itself (handled=True would leave the client waiting).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def start(self):
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
