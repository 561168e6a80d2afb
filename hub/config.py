"""Configuration from environment variables.

Every setting Sira reads is declared here once, with its meaning, so that the README table and the
start-up validation cannot drift apart. An invalid value stops start-up with a message naming the
variable and what is expected.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet


class ConfigError(RuntimeError):
    """A configuration variable is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Setting:
    name: str
    meaning: str
    default: str | None = None


SETTINGS = [
    Setting("SIRA_ENV", "`development` (default) or `production`; production refuses generated secrets"),
    Setting("SIRA_DATABASE_URL", "SQLAlchemy URL; default a SQLite file `instance/sira.db`"),
    Setting("SIRA_REDIS_URL", "Redis URL; unset = embedded mode (jobs in-process, sweeps on a thread)"),
    Setting("SIRA_SECRET_KEY", "session signing key; generated once into `instance/` unless production"),
    Setting("SIRA_ENCRYPTION_KEYS", "comma-separated Fernet keys for children's identifying data, newest "
            "first (rotation); generated once into `instance/` unless production"),
    Setting("SIRA_PUBLIC_URL", "the URL people and webhooks reach Sira at", "http://127.0.0.1:5000"),
    Setting("SIRA_TIMEZONE", "IANA time zone for display and calendars", "Africa/Bamako"),
    Setting("SIRA_DEFAULT_LOCALE", "interface language by default: `fr` or `en`", "fr"),
    Setting("SIRA_QUEUE_NAME", "RQ queue used in scale-out mode", "sira"),
    Setting("SIRA_TRUSTED_PROXIES", "how many reverse proxies stand in front of Sira and set X-Forwarded-For "
            "/ -Proto / -Host; 0 = none (the login rate limit counts per client address)", "0"),
    Setting("SIRA_POS_FILE", "the POS rules file new referrals are routed with; default the shipped "
            "`routing/pos/bamako.yaml`"),
]

LOCALES = ("fr", "en")


def _read_or_create_secret(instance_path: Path, filename: str, make) -> str:
    """Keep an embedded-mode secret stable across restarts without asking a newcomer to set it."""
    path = instance_path / filename
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def load_config(environ: dict[str, str], instance_path: Path) -> dict:
    """Turn environment variables into Flask config keys, validating each one."""

    def get(name: str) -> str | None:
        value = environ.get(name)
        if value is None or value.strip() == "":
            return next((s.default for s in SETTINGS if s.name == name), None)
        return value.strip()

    env = get("SIRA_ENV") or "development"
    if env not in ("development", "production"):
        raise ConfigError(f"SIRA_ENV={env!r}: expected 'development' or 'production'")
    production = env == "production"

    database_url = get("SIRA_DATABASE_URL") or f"sqlite:///{instance_path / 'sira.db'}"
    if not database_url.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
        raise ConfigError(
            f"SIRA_DATABASE_URL={database_url!r}: expected a sqlite:/// or postgresql+psycopg:// URL"
        )
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; SQLAlchemy would otherwise look for psycopg2.
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    redis_url = get("SIRA_REDIS_URL")
    if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"SIRA_REDIS_URL={redis_url!r}: expected a redis:// or rediss:// URL")

    secret_key = get("SIRA_SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError("SIRA_SECRET_KEY is required when SIRA_ENV=production")
        secret_key = _read_or_create_secret(instance_path, "secret_key", lambda: secrets.token_hex(32))
    elif len(secret_key) < 16:
        raise ConfigError("SIRA_SECRET_KEY is too short: expected at least 16 characters")

    keys_text = get("SIRA_ENCRYPTION_KEYS")
    if not keys_text:
        if production:
            raise ConfigError("SIRA_ENCRYPTION_KEYS is required when SIRA_ENV=production")
        keys_text = _read_or_create_secret(
            instance_path, "encryption_keys", lambda: Fernet.generate_key().decode()
        )
    encryption_keys = [k.strip() for k in keys_text.split(",") if k.strip()]
    for index, key in enumerate(encryption_keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                f"SIRA_ENCRYPTION_KEYS: key #{index} is not a Fernet key (32 url-safe base64 bytes)"
            ) from None

    public_url = get("SIRA_PUBLIC_URL")
    parsed = urlparse(public_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"SIRA_PUBLIC_URL={public_url!r}: expected an http(s):// URL such as "
                          "https://sira.example.org")

    timezone = get("SIRA_TIMEZONE")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"SIRA_TIMEZONE={timezone!r}: expected an IANA zone such as Africa/Bamako") from None

    locale = get("SIRA_DEFAULT_LOCALE")
    if locale not in LOCALES:
        raise ConfigError(f"SIRA_DEFAULT_LOCALE={locale!r}: expected one of {', '.join(LOCALES)}")

    pos_file = get("SIRA_POS_FILE")
    if pos_file and not Path(pos_file).is_file():
        raise ConfigError(f"SIRA_POS_FILE={pos_file!r}: no such file (check it with `sira pos check FILE`)")

    proxies = get("SIRA_TRUSTED_PROXIES")
    if not proxies.isdigit() or int(proxies) > 5:
        raise ConfigError(f"SIRA_TRUSTED_PROXIES={proxies!r}: expected the number of proxies, 0 to 5")

    return {
        "SIRA_ENV": env,
        "TRUSTED_PROXIES": int(proxies),
        "POS_FILE": pos_file,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "ENCRYPTION_KEYS": encryption_keys,
        "PUBLIC_URL": public_url.rstrip("/"),
        "TIMEZONE": timezone,
        "BABEL_DEFAULT_LOCALE": locale,
        "BABEL_DEFAULT_TIMEZONE": timezone,
        "QUEUE_NAME": get("SIRA_QUEUE_NAME"),
    }
