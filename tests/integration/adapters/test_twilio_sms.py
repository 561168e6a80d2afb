"""Twilio SMS through the real `twilio` SDK against the loopback fake Twilio API."""

from datetime import UTC, datetime

import pytest
from twilio.request_validator import RequestValidator

from adapters.base import (
    InboundRequest,
    InboundText,
    OutboundMessage,
    PermanentError,
    RecipientUnreachable,
    RetryableError,
    StatusUpdate,
    Throttled,
)
from adapters.settings import load_channel_settings
from adapters.twilio_sms import TwilioSmsAdapter, twiml_reply

NOW = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)
PUBLIC_URL = "https://sira.example.org"


@pytest.fixture
def settings(fake_twilio):
    return load_channel_settings({
        "SIRA_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
        "TWILIO_FROM": "+22370000000",
        "TWILIO_API_BASE": fake_twilio.url,
        "TWILIO_TIMEOUT": "1",
    }).twilio


@pytest.fixture
def adapter(settings):
    return TwilioSmsAdapter(settings)


def sms(text="Sira: nouvelle orientation K7Q2", to="+22376123456"):
    return OutboundMessage("sms", to, text)


def test_send_posts_the_message_and_returns_twilios_sid(adapter, fake_twilio):
    result = adapter.send(sms())
    [sent] = fake_twilio.messages
    assert result.provider_message_id == sent["sid"] and result.provider_message_id.startswith("SM")
    assert sent["To"] == "+22376123456"
    assert sent["From"] == "+22370000000"
    assert sent["Body"] == "Sira: nouvelle orientation K7Q2"
    assert sent["StatusCallback"] == PUBLIC_URL + "/webhooks/twilio/status"


def test_send_through_a_messaging_service(fake_twilio):
    settings = load_channel_settings({
        "SIRA_PUBLIC_URL": PUBLIC_URL, "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio.auth_token, "TWILIO_MESSAGING_SERVICE_SID": "MG" + "a" * 32,
        "TWILIO_API_BASE": fake_twilio.url,
    }).twilio
    TwilioSmsAdapter(settings).send(sms())
    [sent] = fake_twilio.messages
    assert sent["MessagingServiceSid"] == "MG" + "a" * 32 and "From" not in sent


def test_one_adapter_sends_many_messages_over_its_reused_session(adapter, fake_twilio):
    ids = {adapter.send(sms(text=f"message {n}")).provider_message_id for n in range(5)}
    assert len(ids) == 5 and len(fake_twilio.messages) == 5


@pytest.mark.parametrize("code", [21211, 21610, 21614])
def test_invalid_or_opted_out_numbers_are_unreachable(adapter, fake_twilio, code):
    fake_twilio.fail_next(status=400, code=code)
    with pytest.raises(RecipientUnreachable) as caught:
        adapter.send(sms())
    assert caught.value.provider_code == str(code)
    assert caught.value.channel == "sms"
    assert isinstance(caught.value, PermanentError)  # unreachable is a kind of permanent: fail over


def test_other_client_errors_are_permanent_but_not_the_recipients_fault(adapter, fake_twilio):
    fake_twilio.fail_next(status=400, code=21602)
    with pytest.raises(PermanentError) as caught:
        adapter.send(sms())
    assert not isinstance(caught.value, RecipientUnreachable)


def test_wrong_credentials_are_permanent(settings, fake_twilio):
    from dataclasses import replace

    adapter = TwilioSmsAdapter(replace(settings, auth_token="not-the-token"))
    with pytest.raises(PermanentError) as caught:
        adapter.send(sms())
    assert caught.value.provider_code == "20003"


def test_server_errors_are_retryable(adapter, fake_twilio):
    fake_twilio.fail_next(status=500)
    with pytest.raises(RetryableError) as caught:
        adapter.send(sms())
    assert not isinstance(caught.value, Throttled)
    assert adapter.send(sms()).provider_message_id  # the next attempt goes through
    assert len(fake_twilio.messages) == 1


def test_too_many_requests_is_throttled_with_the_servers_retry_after(adapter, fake_twilio):
    fake_twilio.fail_next(status=429, retry_after=7)
    with pytest.raises(Throttled) as caught:
        adapter.send(sms())
    assert caught.value.retry_after == 7
    assert isinstance(caught.value, RetryableError)


def test_too_many_requests_without_retry_after_gets_a_default_wait(adapter, fake_twilio):
    fake_twilio.fail_next(status=429)
    with pytest.raises(Throttled) as caught:
        adapter.send(sms())
    assert caught.value.retry_after > 0


def test_a_provider_that_hangs_past_the_timeout_is_retryable(adapter, fake_twilio):
    fake_twilio.hang_next(seconds=5)
    started = datetime.now(UTC)
    with pytest.raises(RetryableError, match="Timeout"):
        adapter.send(sms())
    assert (datetime.now(UTC) - started).total_seconds() < 4


def test_a_refused_connection_is_retryable(settings):
    from dataclasses import replace

    adapter = TwilioSmsAdapter(replace(settings, api_base="http://127.0.0.1:1"))
    with pytest.raises(RetryableError, match="ConnectionError"):
        adapter.send(sms())


# --- inbound: signatures and parsing ---

INBOUND_FORM = {
    "MessageSid": "SM" + "1" * 32, "SmsSid": "SM" + "1" * 32, "AccountSid": "AC" + "0" * 31 + "1",
    "From": "+22376123456", "To": "+22370000000", "Body": "OUI K7Q2", "NumMedia": "0",
    "SmsStatus": "received", "ApiVersion": "2010-04-01",
}


def signed(settings, path, form, url=None, query=""):
    url = url or PUBLIC_URL + path + (f"?{query}" if query else "")
    signature = RequestValidator(settings.auth_token).compute_signature(url, form)
    return InboundRequest(path=path, headers={"X-Twilio-Signature": signature}, form=form, query_string=query)


def test_a_request_signed_by_twilio_for_our_public_url_is_verified(adapter, settings):
    assert adapter.verify(signed(settings, "/webhooks/twilio/sms", INBOUND_FORM))


def test_the_query_string_is_part_of_what_twilio_signed(adapter, settings):
    assert adapter.verify(signed(settings, "/webhooks/twilio/sms", INBOUND_FORM, query="attempt=2"))


def test_a_forged_signature_is_refused(adapter, settings):
    request = signed(settings, "/webhooks/twilio/sms", INBOUND_FORM)
    forged = InboundRequest(path=request.path, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
                            form=request.form)
    assert not adapter.verify(forged)


def test_a_tampered_body_is_refused(adapter, settings):
    request = signed(settings, "/webhooks/twilio/sms", INBOUND_FORM)
    tampered = InboundRequest(path=request.path, headers=request.headers, form={**INBOUND_FORM, "Body": "NON"})
    assert not adapter.verify(tampered)


def test_a_signature_for_another_url_is_refused(adapter, settings):
    # Signed for the internal address the proxy forwards to, not for the public URL Twilio calls.
    request = signed(settings, "/webhooks/twilio/sms", INBOUND_FORM, url="http://10.0.0.5:8000/webhooks/twilio/sms")
    assert not adapter.verify(request)
    other_path = signed(settings, "/webhooks/twilio/sms", INBOUND_FORM, url=PUBLIC_URL + "/webhooks/twilio/status")
    assert not adapter.verify(other_path)


def test_a_request_without_signature_is_refused(adapter):
    assert not adapter.verify(InboundRequest(path="/webhooks/twilio/sms", form=INBOUND_FORM))


def test_an_inbound_sms_parses_into_neutral_text(adapter):
    events = adapter.parse(InboundRequest(path="/webhooks/twilio/sms", form=INBOUND_FORM), now=NOW)
    assert events == [InboundText("sms", "+22376123456", "OUI K7Q2", "SM" + "1" * 32, NOW)]


@pytest.mark.parametrize(("twilio_status", "expected"), [
    ("delivered", "delivered"), ("undelivered", "undelivered"), ("failed", "failed"),
])
def test_final_status_callbacks_parse_into_status_updates(adapter, twilio_status, expected):
    form = {"MessageSid": "SM" + "2" * 32, "MessageStatus": twilio_status, "AccountSid": "AC" + "0" * 31 + "1"}
    if twilio_status != "delivered":
        form["ErrorCode"] = "30003"
    [update] = adapter.parse(InboundRequest(path="/webhooks/twilio/status", form=form), now=NOW)
    assert update == StatusUpdate("sms", "SM" + "2" * 32, expected, None if expected == "delivered" else "30003")


def test_progress_statuses_and_garbage_are_ignored(adapter):
    for form in ({"MessageSid": "SM1", "MessageStatus": "sent"}, {"MessageStatus": "delivered"}, {}, {"x": "y"}):
        assert adapter.parse(InboundRequest(path="/webhooks/twilio/status", form=form), now=NOW) == []


def test_status_callbacks_are_verified_like_inbound_messages(adapter, settings):
    form = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    assert adapter.verify(signed(settings, "/webhooks/twilio/status", form))


def test_twiml_reply_carries_the_text_or_nothing():
    assert "<Message>Merci. Orientation K7Q2 accept\u00e9e.</Message>" in twiml_reply(
        "Merci. Orientation K7Q2 accept\u00e9e.")
    assert "<Message" not in twiml_reply(None)
    assert twiml_reply("").startswith("<?xml")
