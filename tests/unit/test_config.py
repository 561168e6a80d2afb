from pathlib import Path

import pytest

from hub.config import ConfigError, load_config


def config(tmp_path: Path, **environ):
    return load_config(environ, tmp_path)


def test_embedded_defaults_need_no_variable(tmp_path):
    settings = config(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'sira.db'}"
    assert settings["REDIS_URL"] is None
    assert settings["TIMEZONE"] == "Africa/Bamako"
    assert settings["BABEL_DEFAULT_LOCALE"] == "fr"


def test_generated_secrets_are_kept_across_restarts(tmp_path):
    first, second = config(tmp_path), config(tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["ENCRYPTION_KEYS"] == second["ENCRYPTION_KEYS"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_to_generate_secrets(tmp_path):
    with pytest.raises(ConfigError, match="SIRA_SECRET_KEY is required"):
        config(tmp_path, SIRA_ENV="production")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SIRA_ENV", "staging", "SIRA_ENV"),
        ("SIRA_DATABASE_URL", "mysql://x", "SIRA_DATABASE_URL"),
        ("SIRA_REDIS_URL", "http://localhost", "SIRA_REDIS_URL"),
        ("SIRA_SECRET_KEY", "short", "SIRA_SECRET_KEY"),
        ("SIRA_ENCRYPTION_KEYS", "not-a-key", "SIRA_ENCRYPTION_KEYS"),
        ("SIRA_PUBLIC_URL", "sira.example.org", "SIRA_PUBLIC_URL"),
        ("SIRA_TIMEZONE", "Mars/Olympus", "SIRA_TIMEZONE"),
        ("SIRA_DEFAULT_LOCALE", "bm", "SIRA_DEFAULT_LOCALE"),
        ("SIRA_POS_FILE", "/nonexistent/pos.yaml", "SIRA_POS_FILE"),
        ("SIRA_TRUSTED_PROXIES", "yes", "SIRA_TRUSTED_PROXIES"),
    ],
)
def test_invalid_value_names_the_variable(tmp_path, variable, value, expected):
    with pytest.raises(ConfigError, match=expected):
        config(tmp_path, **{variable: value})


def test_plain_postgresql_url_uses_psycopg3(tmp_path):
    settings = config(tmp_path, SIRA_DATABASE_URL="postgresql://u@h/db")
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
