import pytest

from adapters.settings import CHANNEL_SETTINGS, load_channel_settings
from hub.config import ConfigError

TWILIO = {"TWILIO_ACCOUNT_SID": "AC" + "a" * 32, "TWILIO_AUTH_TOKEN": "token", "TWILIO_FROM": "+22370000000"}
TELEGRAM = {"TELEGRAM_BOT_TOKEN": "123456789:AAFakeTokenForTestsOnly_abcdefghijkl",
            "TELEGRAM_WEBHOOK_SECRET": "test-webhook-secret-0123456789"}
SMTP = {"SMTP_HOST": "smtp.example.org", "SMTP_USERNAME": "sira", "SMTP_PASSWORD": "pw",
        "SMTP_FROM": "Sira <sira@example.org>"}


def test_nothing_set_means_every_channel_is_simulated():
    settings = load_channel_settings({})
    assert (settings.twilio, settings.telegram, settings.smtp) == (None, None, None)
    assert not any(settings.configured(c) for c in ("sms", "telegram", "email"))
    assert settings.email_link_max_age_hours == 72


def test_complete_settings_are_read_with_defaults():
    settings = load_channel_settings({"SIRA_PUBLIC_URL": "https://sira.example.org/", **TWILIO, **TELEGRAM, **SMTP})
    assert settings.twilio.api_base == "https://api.twilio.com"
    assert settings.twilio.status_callback_url == "https://sira.example.org/webhooks/twilio/status"
    assert settings.telegram.api_base == "https://api.telegram.org"
    assert settings.telegram.webhook_url == "https://sira.example.org/webhooks/telegram"
    assert (settings.smtp.port, settings.smtp.starttls) == (587, True)


def test_app_config_public_url_is_understood():
    assert load_channel_settings({"PUBLIC_URL": "https://sira.example.org"}).public_url == "https://sira.example.org"


@pytest.mark.parametrize(("environ", "named"), [
    ({"TWILIO_AUTH_TOKEN": "t"}, "TWILIO_ACCOUNT_SID"),
    ({**TWILIO, "TWILIO_ACCOUNT_SID": "XX1"}, "TWILIO_ACCOUNT_SID"),
    ({**TWILIO, "TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"),
    ({**TWILIO, "TWILIO_FROM": ""}, "TWILIO_FROM"),
    ({**TWILIO, "TWILIO_FROM": "70 12 34 56"}, "TWILIO_FROM"),
    ({**TWILIO, "TWILIO_MESSAGING_SERVICE_SID": "nope"}, "TWILIO_MESSAGING_SERVICE_SID"),
    ({**TWILIO, "TWILIO_API_BASE": "ftp://x"}, "TWILIO_API_BASE"),
    ({**TWILIO, "TWILIO_TIMEOUT": "0"}, "TWILIO_TIMEOUT"),
    ({"TELEGRAM_WEBHOOK_SECRET": "x" * 20}, "TELEGRAM_BOT_TOKEN"),
    ({**TELEGRAM, "TELEGRAM_BOT_TOKEN": "abc"}, "TELEGRAM_BOT_TOKEN"),
    ({**TELEGRAM, "TELEGRAM_WEBHOOK_SECRET": ""}, "TELEGRAM_WEBHOOK_SECRET"),
    ({**TELEGRAM, "TELEGRAM_WEBHOOK_SECRET": "short"}, "TELEGRAM_WEBHOOK_SECRET"),
    ({**TELEGRAM, "TELEGRAM_WEBHOOK_SECRET": "has spaces in it, bad!"}, "TELEGRAM_WEBHOOK_SECRET"),
    ({"SMTP_FROM": "a@b.c"}, "SMTP_HOST"),
    ({**SMTP, "SMTP_PORT": "x"}, "SMTP_PORT"),
    ({**SMTP, "SMTP_PASSWORD": ""}, "SMTP_PASSWORD"),
    ({**SMTP, "SMTP_FROM": "nobody"}, "SMTP_FROM"),
    ({**SMTP, "SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
    ({**SMTP, "SMTP_STARTTLS": "false"}, "SMTP_STARTTLS"),
    ({**SMTP, "SMTP_CA_FILE": "/nonexistent.pem"}, "SMTP_CA_FILE"),
    ({"EMAIL_LINK_MAX_AGE_HOURS": "-1"}, "EMAIL_LINK_MAX_AGE_HOURS"),
    ({"SIRA_PUBLIC_URL": "sira.example.org"}, "SIRA_PUBLIC_URL"),
])
def test_a_bad_or_half_configuration_names_the_variable(environ, named):
    with pytest.raises(ConfigError, match=named):
        load_channel_settings(environ)


def test_a_local_relay_may_go_without_starttls():
    settings = load_channel_settings({**SMTP, "SMTP_HOST": "127.0.0.1", "SMTP_STARTTLS": "false"})
    assert settings.smtp.starttls is False


def test_every_setting_is_documented():
    assert all(s.meaning for s in CHANNEL_SETTINGS)
    names = {s.name for s in CHANNEL_SETTINGS}
    assert {"TWILIO_API_BASE", "TELEGRAM_API_BASE", "SMTP_STARTTLS", "TWILIO_MESSAGING_SERVICE_SID"} <= names
