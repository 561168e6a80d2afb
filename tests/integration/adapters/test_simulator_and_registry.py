"""The simulator stores what it sends; the registry never lets a demo contact reach a real provider."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from adapters.base import ButtonPress, InboundRequest, InboundText, OutboundMessage, PermanentError
from adapters.email_smtp import SmtpEmailAdapter
from adapters.registry import adapter_for
from adapters.settings import load_channel_settings
from adapters.simulator import SimulatedMessage, SimulatorAdapter, messages_for
from adapters.telegram import TelegramAdapter
from adapters.twilio_sms import TwilioSmsAdapter
from hub.extensions import db
from notifications.buttons import decision_buttons

NOW = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)


def test_simulated_sends_are_stored_in_the_callers_transaction(app_context):
    simulator = SimulatorAdapter("telegram")
    result = simulator.send(OutboundMessage("telegram", "demo-chat-1", "Nouvelle orientation K7Q2",
                                            buttons=decision_buttons("K7Q2", 5), outbox_id=42))
    db.session.commit()
    [row] = db.session.scalars(select(SimulatedMessage)).all()
    assert result.simulated and result.provider_message_id == row.provider_message_id
    assert (row.channel, row.recipient, row.text, row.outbox_id) == (
        "telegram", "demo-chat-1", "Nouvelle orientation K7Q2", 42)
    assert row.buttons[0] == {"label": "Accepter", "data": "a:K7Q2:5"}
    assert row.created_at.tzinfo is not None


def test_a_rolled_back_delivery_leaves_no_simulated_message(app_context):
    SimulatorAdapter("sms").send(OutboundMessage("sms", "+22370000001", "x"))
    db.session.rollback()
    assert db.session.scalars(select(SimulatedMessage)).all() == []


def test_the_simulator_page_lists_a_contacts_messages_newest_first(app_context):
    simulator = SimulatorAdapter("sms")
    for n in range(3):
        simulator.send(OutboundMessage("sms", "+22370000001", f"message {n}"))
    simulator.send(OutboundMessage("sms", "+22370000002", "someone else"))
    SimulatorAdapter("email").send(OutboundMessage("email", "+22370000001", "same id, other channel",
                                                   subject="Sira"))
    db.session.commit()
    assert [m.text for m in messages_for("+22370000001", "sms")] == ["message 2", "message 1", "message 0"]
    assert len(messages_for("+22370000001")) == 4


def test_replies_typed_on_the_simulator_become_the_same_neutral_events():
    simulator = SimulatorAdapter("sms")
    [text] = simulator.parse(InboundRequest(path="/simulator/reply",
                                            form={"sender": "+22370000001", "text": "OUI K7Q2"}), now=NOW)
    assert isinstance(text, InboundText) and (text.channel, text.sender, text.text) == (
        "sms", "+22370000001", "OUI K7Q2")
    [press] = SimulatorAdapter("telegram").parse(InboundRequest(
        path="/simulator/reply", form={"sender": "demo-chat-1", "button": "a:K7Q2:5", "message_id": "9"}),
        now=NOW)
    assert isinstance(press, ButtonPress) and press.data == "a:K7Q2:5" and press.message_id == "9"
    assert simulator.parse(InboundRequest(path="/simulator/reply", form={"text": "OUI"}), now=NOW) == []


# --- the registry (no database needed) ---

CONFIGURED = {
    "SIRA_PUBLIC_URL": "https://sira.example.org",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "token", "TWILIO_FROM": "+22370000000",
    "TELEGRAM_BOT_TOKEN": "123456789:AAFakeTokenForTestsOnly_abcdefghijkl",
    "TELEGRAM_WEBHOOK_SECRET": "test-webhook-secret-0123456789",
    "SMTP_HOST": "smtp.example.org", "SMTP_USERNAME": "sira", "SMTP_PASSWORD": "pw",
    "SMTP_FROM": "sira@example.org",
}


@pytest.mark.parametrize("channel", ["sms", "telegram", "email"])
def test_a_demo_contact_always_gets_the_simulator_even_with_credentials(channel):
    adapter = adapter_for(channel, contact_is_demo=True, config=CONFIGURED)
    assert isinstance(adapter, SimulatorAdapter) and adapter.channel == channel and adapter.simulated


@pytest.mark.parametrize("channel", ["sms", "telegram", "email"])
def test_without_credentials_every_channel_is_simulated(channel):
    adapter = adapter_for(channel, contact_is_demo=False, config={"SIRA_PUBLIC_URL": "http://127.0.0.1:5000"})
    assert isinstance(adapter, SimulatorAdapter)


def test_real_contacts_on_configured_channels_get_the_real_provider():
    settings = load_channel_settings(CONFIGURED)
    assert isinstance(adapter_for("sms", False, settings), TwilioSmsAdapter)
    assert isinstance(adapter_for("telegram", False, settings), TelegramAdapter)
    assert isinstance(adapter_for("email", False, settings), SmtpEmailAdapter)
    assert adapter_for("sms", False, settings) is adapter_for("sms", False, settings)  # session reused


def test_only_configured_channels_are_real():
    only_sms = {k: v for k, v in CONFIGURED.items() if k.startswith(("SIRA_", "TWILIO_"))}
    assert isinstance(adapter_for("sms", False, only_sms), TwilioSmsAdapter)
    assert isinstance(adapter_for("telegram", False, only_sms), SimulatorAdapter)


def test_an_unknown_channel_is_an_error():
    with pytest.raises(ValueError):
        adapter_for("whatsapp", False, CONFIGURED)


@pytest.mark.parametrize("channel", ["sms", "telegram", "email"])
def test_real_adapters_refuse_a_demo_recipient_even_if_handed_one(channel):
    adapter = adapter_for(channel, contact_is_demo=False, config=CONFIGURED)
    with pytest.raises(PermanentError, match="demo contact"):
        adapter.send(OutboundMessage(channel, "+22370000001", "x", recipient_is_demo=True))
