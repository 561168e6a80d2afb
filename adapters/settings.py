"""Channel settings, read from environment variables (or any mapping, e.g. `app.config`), validated.

A channel is "configured" only when all of its credentials are set; an unconfigured channel goes to the
built-in simulator. Half-configured is an error that names the missing variable, so a typo in production
does not silently route real referrals to the simulator.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from hub.config import ConfigError, Setting

CHANNEL_SETTINGS: tuple[Setting, ...] = (
    Setting("TWILIO_ACCOUNT_SID", "Twilio account SID (AC...); unset = SMS goes to the simulator"),
    Setting("TWILIO_AUTH_TOKEN", "Twilio auth token; also checks X-Twilio-Signature on webhooks"),
    Setting("TWILIO_FROM", "sender: an E.164 number or an alphanumeric sender id (max 11); "
            "or set TWILIO_MESSAGING_SERVICE_SID"),
    Setting("TWILIO_MESSAGING_SERVICE_SID", "Twilio messaging service (MG...), used instead of TWILIO_FROM"),
    Setting("TWILIO_API_BASE", "Twilio REST API base URL (a Twilio-compatible gateway, tests)",
            "https://api.twilio.com"),
    Setting("TWILIO_TIMEOUT", "seconds to wait for the Twilio API before retrying later", "10"),
    Setting("TELEGRAM_BOT_TOKEN", "Telegram bot token from @BotFather; unset = Telegram goes to the simulator"),
    Setting("TELEGRAM_WEBHOOK_SECRET", "secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token "
            "(1-256 chars of A-Z a-z 0-9 _ -)"),
    Setting("TELEGRAM_API_BASE", "Bot API server root, e.g. a local Bot API server", "https://api.telegram.org"),
    Setting("TELEGRAM_TIMEOUT", "seconds to wait for the Bot API before retrying later", "10"),
    Setting("SMTP_HOST", "SMTP server host; unset = e-mail goes to the simulator"),
    Setting("SMTP_PORT", "SMTP server port", "587"),
    Setting("SMTP_USERNAME", "SMTP login (optional: no login when unset)"),
    Setting("SMTP_PASSWORD", "SMTP password (required with SMTP_USERNAME)"),
    Setting("SMTP_FROM", "sender address, e.g. `Sira <sira@example.org>`"),
    Setting("SMTP_STARTTLS", "`true` (default) to require STARTTLS before login; `false` only for a "
            "local relay", "true"),
    Setting("SMTP_CA_FILE", "extra CA bundle (PEM) to trust for the SMTP server, e.g. a self-signed relay"),
    Setting("SMTP_TIMEOUT", "seconds to wait for the SMTP server before retrying later", "20"),
    Setting("EMAIL_LINK_MAX_AGE_HOURS", "hours an e-mail accept / decline link stays valid", "72"),
    Setting("SMS_SEGMENT_PRICE", "price of one SMS segment as shown to admins on the simulator page, "
            "e.g. `25 FCFA`; unset = segment counts only"),
)

_DEFAULTS = {s.name: s.default for s in CHANNEL_SETTINGS}
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TELEGRAM_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")

TWILIO_SMS_WEBHOOK_PATH = "/webhooks/twilio/sms"
TWILIO_STATUS_WEBHOOK_PATH = "/webhooks/twilio/status"
TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram"


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    from_number: str | None
    messaging_service_sid: str | None
    api_base: str
    public_url: str
    timeout: float

    @property
    def status_callback_url(self) -> str:
        return self.public_url + TWILIO_STATUS_WEBHOOK_PATH


@dataclass(frozen=True)
class TelegramSettings:
    bot_token: str
    webhook_secret: str
    api_base: str
    public_url: str
    timeout: float

    @property
    def webhook_url(self) -> str:
        return self.public_url + TELEGRAM_WEBHOOK_PATH


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    sender: str
    starttls: bool
    ca_file: str | None
    timeout: float


@dataclass(frozen=True)
class ChannelSettings:
    public_url: str
    twilio: TwilioSettings | None
    telegram: TelegramSettings | None
    smtp: SmtpSettings | None
    email_link_max_age_hours: float

    def configured(self, channel: str) -> bool:
        return {"sms": self.twilio, "telegram": self.telegram, "email": self.smtp}.get(channel) is not None


def load_channel_settings(environ: Mapping[str, object]) -> ChannelSettings:
    """Validate the channel variables in `environ` (os.environ, or app.config which holds PUBLIC_URL)."""

    def get(name: str) -> str | None:
        value = environ.get(name)
        if value is None or str(value).strip() == "":
            return _DEFAULTS.get(name)
        return str(value).strip()

    public_url = (get("SIRA_PUBLIC_URL") or get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    _require_url("SIRA_PUBLIC_URL", public_url)
    return ChannelSettings(
        public_url=public_url,
        twilio=_twilio(get, public_url),
        telegram=_telegram(get, public_url),
        smtp=_smtp(get),
        email_link_max_age_hours=_positive_number(get, "EMAIL_LINK_MAX_AGE_HOURS"),
    )


def _twilio(get, public_url: str) -> TwilioSettings | None:
    sid, token = get("TWILIO_ACCOUNT_SID"), get("TWILIO_AUTH_TOKEN")
    sender, service = get("TWILIO_FROM"), get("TWILIO_MESSAGING_SERVICE_SID")
    if not any((sid, token, sender, service)):
        return None
    if not sid:
        raise ConfigError("TWILIO_ACCOUNT_SID is required when other TWILIO_* variables are set")
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", sid):
        raise ConfigError(f"TWILIO_ACCOUNT_SID={sid!r}: expected 'AC' followed by 32 hex digits")
    if not token:
        raise ConfigError("TWILIO_AUTH_TOKEN is required with TWILIO_ACCOUNT_SID")
    if not sender and not service:
        raise ConfigError("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID")
    if sender and not (_E164.match(sender) or _ALPHANUMERIC_SENDER.match(sender)):
        raise ConfigError(f"TWILIO_FROM={sender!r}: expected an E.164 number such as +22370123456 "
                          "or an alphanumeric sender id of at most 11 characters")
    if service and not re.fullmatch(r"MG[0-9a-fA-F]{32}", service):
        raise ConfigError(f"TWILIO_MESSAGING_SERVICE_SID={service!r}: expected 'MG' followed by 32 hex digits")
    api_base = get("TWILIO_API_BASE").rstrip("/")
    _require_url("TWILIO_API_BASE", api_base)
    return TwilioSettings(sid, token, sender, service, api_base, public_url,
                          _positive_number(get, "TWILIO_TIMEOUT"))


def _telegram(get, public_url: str) -> TelegramSettings | None:
    token, secret = get("TELEGRAM_BOT_TOKEN"), get("TELEGRAM_WEBHOOK_SECRET")
    if not token and not secret:
        return None
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is required when TELEGRAM_WEBHOOK_SECRET is set")
    if not _TELEGRAM_TOKEN.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN: expected the '<digits>:<key>' token @BotFather gives")
    if not secret:
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_BOT_TOKEN "
                          "(webhooks without it could be forged)")
    if not _TELEGRAM_SECRET.match(secret) or len(secret) < 16:
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET: expected 16 to 256 characters of A-Z a-z 0-9 _ -")
    api_base = get("TELEGRAM_API_BASE").rstrip("/")
    _require_url("TELEGRAM_API_BASE", api_base)
    return TelegramSettings(token, secret, api_base, public_url, _positive_number(get, "TELEGRAM_TIMEOUT"))


def _smtp(get) -> SmtpSettings | None:
    host = get("SMTP_HOST")
    if not host:
        for name in ("SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_FROM"):
            if get(name):
                raise ConfigError(f"SMTP_HOST is required when {name} is set")
        return None
    port_text = get("SMTP_PORT")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"SMTP_PORT={port_text!r}: expected a port number such as 587")
    username, password, sender = get("SMTP_USERNAME"), get("SMTP_PASSWORD"), get("SMTP_FROM")
    if username and not password:
        raise ConfigError("SMTP_PASSWORD is required with SMTP_USERNAME")
    if not sender or "@" not in sender:
        raise ConfigError(f"SMTP_FROM={sender!r}: expected a sender address such as sira@example.org")
    starttls_text = get("SMTP_STARTTLS").lower()
    if starttls_text not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"SMTP_STARTTLS={starttls_text!r}: expected true or false")
    starttls = starttls_text in ("true", "1", "yes")
    if username and not starttls and not _is_loopback(host):
        raise ConfigError("SMTP_STARTTLS=false with SMTP_USERNAME would send the password in clear text "
                          "to a remote host; only a loopback relay may go without STARTTLS")
    ca_file = get("SMTP_CA_FILE")
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"SMTP_CA_FILE={ca_file!r}: no such file")
    return SmtpSettings(host, int(port_text), username, password, sender, starttls, ca_file,
                        _positive_number(get, "SMTP_TIMEOUT"))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _positive_number(get, name: str) -> float:
    text = get(name)
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = -1
    if value <= 0:
        raise ConfigError(f"{name}={text!r}: expected a positive number")
    return value


def _require_url(name: str, url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name}={url!r}: expected an http(s):// URL")
