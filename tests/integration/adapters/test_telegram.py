"""Telegram through the real python-telegram-bot against the loopback fake Bot API server."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.base import (
    Button,
    ButtonPress,
    InboundRequest,
    InboundText,
    OutboundMessage,
    PermanentError,
    RecipientUnreachable,
    RetryableError,
    Throttled,
)
from adapters.settings import load_channel_settings
from adapters.telegram import SECRET_HEADER, TelegramAdapter, parse_update
from notifications.buttons import decision_buttons, parse_button_data
from notifications.replies import Intent

# PTB itself reads the deprecated int `retry_after` while building RetryAfter; not our code to fix.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

NOW = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)
SECRET = "test-webhook-secret-0123456789"
CHAT_ID = "555000111"


@pytest.fixture
def settings(fake_telegram):
    return load_channel_settings({
        "SIRA_PUBLIC_URL": "https://sira.example.org",
        "TELEGRAM_BOT_TOKEN": fake_telegram.token,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE": fake_telegram.base_url,
        "TELEGRAM_TIMEOUT": "1",
    }).telegram


@pytest.fixture
def adapter(settings):
    return TelegramAdapter(settings)


def message(buttons=()):
    return OutboundMessage("telegram", CHAT_ID, "Nouvelle orientation K7Q2", buttons=buttons)


def test_send_with_decision_buttons(adapter, fake_telegram):
    result = adapter.send(message(decision_buttons("K7Q2", 123)))
    [call] = fake_telegram.calls_to("sendMessage")
    assert call.params["chat_id"] == CHAT_ID and call.params["text"] == "Nouvelle orientation K7Q2"
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    assert [(b["text"], b["callback_data"]) for b in keyboard[0]] == [
        ("Accepter", "a:K7Q2:123"), ("Refuser", "d:K7Q2:123"), ("Vu", "v:K7Q2:123")]
    assert result.provider_message_id.startswith(f"{CHAT_ID}:")


def test_each_send_runs_in_its_own_event_loop(adapter, fake_telegram):
    for _ in range(3):
        adapter.send(message())
    assert len(fake_telegram.calls_to("sendMessage")) == 3


def test_callback_data_over_64_bytes_is_refused_before_sending(adapter, fake_telegram):
    with pytest.raises(ValueError):
        adapter.send(message((Button("Accepter", "a:" + "X" * 70),)))
    assert fake_telegram.calls_to("sendMessage") == []


def test_a_blocked_bot_means_the_recipient_is_unreachable(adapter, fake_telegram):
    fake_telegram.fail_next("sendMessage", status=403)
    with pytest.raises(RecipientUnreachable) as caught:
        adapter.send(message())
    assert caught.value.provider_code == "403" and caught.value.channel == "telegram"


def test_an_unknown_chat_means_the_recipient_is_unreachable(adapter, fake_telegram):
    fake_telegram.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    with pytest.raises(RecipientUnreachable):
        adapter.send(message())


def test_other_bad_requests_are_permanent(adapter, fake_telegram):
    fake_telegram.fail_next("sendMessage", status=400, description="Bad Request: can't parse entities")
    with pytest.raises(PermanentError) as caught:
        adapter.send(message())
    assert not isinstance(caught.value, RecipientUnreachable)


def test_flood_control_is_throttled_with_retry_after(adapter, fake_telegram):
    fake_telegram.fail_next("sendMessage", status=429, retry_after=11)
    with pytest.raises(Throttled) as caught:
        adapter.send(message())
    assert caught.value.retry_after == 11


def test_server_errors_are_retryable(adapter, fake_telegram):
    fake_telegram.fail_next("sendMessage", status=500)
    with pytest.raises(RetryableError) as caught:
        adapter.send(message())
    assert not isinstance(caught.value, Throttled)


def test_a_timeout_is_retryable(adapter, fake_telegram):
    fake_telegram.hang_next("sendMessage", seconds=4)
    with pytest.raises(RetryableError):
        adapter.send(message())


def test_a_refused_connection_is_retryable(settings):
    adapter = TelegramAdapter(replace(settings, api_base="http://127.0.0.1:1"))
    with pytest.raises(RetryableError):
        adapter.send(message())


def test_a_revoked_token_is_permanent(settings):
    adapter = TelegramAdapter(replace(settings, bot_token="42:AAwrongTokenWrongTokenWrongToken"))
    with pytest.raises(PermanentError):
        adapter.send(message())


def test_answer_the_button_then_show_the_outcome_without_buttons(adapter, fake_telegram):
    press = ButtonPress("telegram", CHAT_ID, "a:K7Q2:123", "update:7", "cbq-1", "1001", NOW)
    adapter.answer_button(press, "Orientation K7Q2 acceptée")
    adapter.show_outcome(press.sender, press.message_id, "Orientation K7Q2 : acceptée")
    adapter.remove_buttons(press.sender, press.message_id)
    [answer] = fake_telegram.calls_to("answerCallbackQuery")
    assert answer.params == {"callback_query_id": "cbq-1", "text": "Orientation K7Q2 acceptée"}
    [edit] = fake_telegram.calls_to("editMessageText")
    assert edit.params["message_id"] == "1001" and "reply_markup" not in edit.params
    assert edit.params["text"] == "Orientation K7Q2 : acceptée"
    [markup] = fake_telegram.calls_to("editMessageReplyMarkup")
    assert "reply_markup" not in markup.params  # no markup: Telegram removes the keyboard


def test_set_webhook_registers_our_public_url_with_the_secret(adapter, fake_telegram):
    assert adapter.set_webhook() is True
    [call] = fake_telegram.calls_to("setWebhook")
    assert call.params["url"] == "https://sira.example.org/webhooks/telegram"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "callback_query"]


# --- inbound ---

def test_the_secret_header_is_checked(adapter):
    assert adapter.verify(InboundRequest(path="/webhooks/telegram", headers={SECRET_HEADER: SECRET}))
    assert adapter.verify(InboundRequest(path="/webhooks/telegram",
                                         headers={SECRET_HEADER.lower(): SECRET}))  # header case
    assert not adapter.verify(InboundRequest(path="/webhooks/telegram", headers={SECRET_HEADER: SECRET + "x"}))
    assert not adapter.verify(InboundRequest(path="/webhooks/telegram", headers={SECRET_HEADER: ""}))
    assert not adapter.verify(InboundRequest(path="/webhooks/telegram"))


def text_update(text, update_id=9001):
    return {"update_id": update_id, "message": {
        "message_id": 77, "date": 1741771800, "text": text,
        "chat": {"id": int(CHAT_ID), "type": "private", "first_name": "Awa"},
        "from": {"id": int(CHAT_ID), "is_bot": False, "first_name": "Awa"},
    }}


def test_a_text_message_parses_into_neutral_text(adapter):
    events = adapter.parse(InboundRequest(path="/webhooks/telegram", json=text_update("OUI K7Q2")), now=NOW)
    assert events == [InboundText("telegram", CHAT_ID, "OUI K7Q2", "update:9001", NOW)]


def test_start_with_a_link_code_arrives_as_text(adapter):
    [event] = parse_update(text_update("/start AB12CD"), now=NOW)
    assert event.text == "/start AB12CD"


def test_a_button_press_parses_with_what_is_needed_to_answer_and_edit():
    update = {"update_id": 9002, "callback_query": {
        "id": "4382bfdwdsb323b2d9", "chat_instance": "42", "data": "d:K7Q2:123",
        "from": {"id": int(CHAT_ID), "is_bot": False, "first_name": "Awa"},
        "message": {"message_id": 1001, "date": 1741771800, "text": "Nouvelle orientation K7Q2",
                    "chat": {"id": int(CHAT_ID), "type": "private"}},
    }}
    [press] = parse_update(update, now=NOW)
    assert press == ButtonPress("telegram", CHAT_ID, "d:K7Q2:123", "update:9002", "4382bfdwdsb323b2d9",
                                "1001", NOW)
    assert parse_button_data(press.data) == (Intent.DECLINE, "K7Q2", "123")


@pytest.mark.parametrize("payload", [
    None, [], "x", {}, {"update_id": "1"}, {"update_id": 1}, {"update_id": 2, "edited_message": {}},
    {"update_id": 3, "message": {"message_id": 1}},  # malformed: no chat
    {"update_id": 4, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}},  # no text
    {"update_id": 5, "callback_query": {"id": "x", "chat_instance": "1",
                                        "from": {"id": 1, "is_bot": False, "first_name": "A"}}},  # no data
])
def test_updates_sira_ignores_or_cannot_read_give_nothing(payload):
    assert parse_update(payload, now=NOW) == []
