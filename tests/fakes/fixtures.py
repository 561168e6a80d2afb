"""Pytest fixtures for the fake providers; imported into tests/conftest.py."""

from __future__ import annotations

import pytest

from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.twilio_api import FakeTwilioApi

__all__ = ["fake_twilio", "fake_telegram", "fake_smtp", "channel_environ"]


@pytest.fixture
def fake_twilio():
    server = FakeTwilioApi().start()
    yield server
    server.stop()


@pytest.fixture
def fake_telegram():
    server = FakeTelegramApi().start()
    yield server
    server.stop()


@pytest.fixture
def fake_smtp(tmp_path):
    server = FakeSmtpServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def channel_environ(fake_twilio, fake_telegram, fake_smtp):
    """Environment variables pointing every channel at its fake (feed to load_channel_settings or the app)."""
    return {
        "SIRA_PUBLIC_URL": "https://sira.example.org",
        "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
        "TWILIO_FROM": "+22370000000",
        "TWILIO_API_BASE": fake_twilio.url,
        "TWILIO_TIMEOUT": "2",
        "TELEGRAM_BOT_TOKEN": fake_telegram.token,
        "TELEGRAM_WEBHOOK_SECRET": "test-webhook-secret-0123456789",
        "TELEGRAM_API_BASE": fake_telegram.base_url,
        "TELEGRAM_TIMEOUT": "2",
        "SMTP_HOST": fake_smtp.host,
        "SMTP_PORT": str(fake_smtp.port),
        "SMTP_USERNAME": fake_smtp.username,
        "SMTP_PASSWORD": fake_smtp.password,
        "SMTP_FROM": "Sira <sira@example.org>",
        "SMTP_STARTTLS": "true",
        "SMTP_CA_FILE": fake_smtp.ca_file,
        "SMTP_TIMEOUT": "5",
    }
