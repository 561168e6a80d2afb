"""E-mail through SMTP: STARTTLS (certificate checked) then login, one multipart text + HTML message.

Inbound e-mail is not parsed: providers answer through the signed links of `adapters.email_links`, which
land on a web page (the web view verifies the token, not this adapter).
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from adapters.base import (
    ChannelAdapter,
    DeliveryError,
    InboundEvent,
    InboundRequest,
    OutboundMessage,
    PermanentError,
    RecipientUnreachable,
    RetryableError,
    SendResult,
    refuse_demo_recipient,
)
from adapters.settings import SmtpSettings


class SmtpEmailAdapter(ChannelAdapter):
    channel = "email"

    def __init__(self, settings: SmtpSettings, ssl_context: ssl.SSLContext | None = None):
        self.settings = settings
        self.ssl_context = ssl_context or ssl.create_default_context(cafile=settings.ca_file)

    def build(self, message: OutboundMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject or "Sira"
        email["Date"] = formatdate(localtime=False)
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2] or None
        email["Message-ID"] = make_msgid(domain=domain)
        email.set_content(message.text)
        if message.html:
            email.add_alternative(message.html, subtype="html")
        return email

    def send(self, message: OutboundMessage) -> SendResult:
        refuse_demo_recipient(message, "email")
        email = self.build(message)
        try:
            with smtplib.SMTP(self.settings.host, self.settings.port, timeout=self.settings.timeout) as smtp:
                smtp.ehlo()
                if self.settings.starttls:
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise _by_code(code, f"recipient refused: {code} {_text(reply)}") from error
        except smtplib.SMTPAuthenticationError as error:
            raise PermanentError(f"SMTP login refused: {error.smtp_code}", channel="email",
                                 provider_code=str(error.smtp_code)) from error
        except smtplib.SMTPNotSupportedError as error:
            raise PermanentError(f"SMTP server lacks a required feature: {error}", channel="email") from error
        except smtplib.SMTPResponseException as error:  # sender refused, data refused, ...
            raise _by_code(error.smtp_code, f"SMTP {error.smtp_code} {_text(error.smtp_error)}") from error
        except ssl.SSLError as error:  # includes certificate verification failures: our config, not theirs
            raise PermanentError(f"SMTP TLS failed: {error}", channel="email") from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            raise RetryableError(f"SMTP unreachable: {type(error).__name__}: {error}", channel="email") from error
        return SendResult(provider_message_id=email["Message-ID"], channel="email")

    def verify(self, request: InboundRequest) -> bool:
        return False  # no inbound e-mail webhook: replies come through signed links

    def parse(self, request: InboundRequest, *, now: datetime) -> list[InboundEvent]:
        return []


def _by_code(code: int, detail: str) -> DeliveryError:
    # 4xx: try again later; 550/551/553 on a recipient: that mailbox does not exist; other 5xx: permanent.
    if 400 <= code < 500:
        return RetryableError(detail, channel="email", provider_code=str(code))
    if code in (550, 551, 553):
        return RecipientUnreachable(detail, channel="email", provider_code=str(code))
    return PermanentError(detail, channel="email", provider_code=str(code))


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
