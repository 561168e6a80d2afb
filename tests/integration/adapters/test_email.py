"""E-mail through smtplib against aiosmtpd requiring STARTTLS then AUTH; signed decision links."""

import ssl
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.base import OutboundMessage, PermanentError, RecipientUnreachable, RetryableError
from adapters.email_links import (
    LinkExpired,
    LinkInvalid,
    decision_url,
    make_decision_token,
    read_decision_token,
)
from adapters.email_smtp import SmtpEmailAdapter
from adapters.settings import load_channel_settings

SECRET = "test-secret-key-not-for-production"
NOW = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)


@pytest.fixture
def settings(fake_smtp):
    return load_channel_settings({
        "SMTP_HOST": fake_smtp.host, "SMTP_PORT": str(fake_smtp.port), "SMTP_USERNAME": fake_smtp.username,
        "SMTP_PASSWORD": fake_smtp.password, "SMTP_FROM": "Sira <sira@example.org>",
        "SMTP_CA_FILE": fake_smtp.ca_file, "SMTP_TIMEOUT": "5",
    }).smtp


def mail(to="point.focal@example.org"):
    return OutboundMessage("email", to, "Nouvelle orientation K7Q2.\n\nAccepter : https://sira.example.org/a",
                           subject="Sira : nouvelle orientation K7Q2",
                           html='<p>Nouvelle orientation K7Q2.</p><p><a href="https://sira.example.org/a">'
                                'Accepter</a></p>')


def test_send_through_starttls_and_login_delivers_text_and_html(settings, fake_smtp):
    result = SmtpEmailAdapter(settings).send(mail())
    [received] = fake_smtp.messages
    assert received.authenticated_as == fake_smtp.username
    assert received.rcpt_tos == ["point.focal@example.org"]
    assert received.mail_from == "sira@example.org"
    message = received.message
    assert message["Subject"] == "Sira : nouvelle orientation K7Q2"
    assert message["Message-ID"] == result.provider_message_id
    assert message.get_content_type() == "multipart/alternative"
    assert "Nouvelle orientation K7Q2." in message.get_body(("plain",)).get_content()
    assert 'href="https://sira.example.org/a"' in message.get_body(("html",)).get_content()


def test_a_wrong_password_is_permanent(settings):
    with pytest.raises(PermanentError, match="login refused"):
        SmtpEmailAdapter(replace(settings, password="wrong")).send(mail())


def test_an_untrusted_certificate_is_refused_not_ignored(settings):
    with pytest.raises(PermanentError, match="TLS"):
        SmtpEmailAdapter(settings, ssl_context=ssl.create_default_context()).send(mail())


def test_without_starttls_the_server_refuses_the_login(settings, fake_smtp):
    # The relay requires TLS before AUTH: Sira never sends a password in clear to it.
    with pytest.raises(PermanentError):
        SmtpEmailAdapter(replace(settings, starttls=False)).send(mail())
    assert fake_smtp.messages == []


def test_a_mailbox_that_does_not_exist_is_unreachable(settings, fake_smtp):
    fake_smtp.refuse["gone@example.org"] = "550 5.1.1 No such user"
    with pytest.raises(RecipientUnreachable) as caught:
        SmtpEmailAdapter(settings).send(mail("gone@example.org"))
    assert caught.value.provider_code == "550"


def test_a_temporary_refusal_is_retryable(settings, fake_smtp):
    fake_smtp.refuse["busy@example.org"] = "451 4.3.0 Try again later"
    with pytest.raises(RetryableError):
        SmtpEmailAdapter(settings).send(mail("busy@example.org"))


def test_a_server_that_is_down_is_retryable(settings):
    with pytest.raises(RetryableError):
        SmtpEmailAdapter(replace(settings, port=1)).send(mail())


# --- signed decision links ---

def test_a_signed_link_reads_back_its_target_action_and_nonce():
    token, nonce = make_decision_token(SECRET, 123, "accept", now=NOW)
    decision = read_decision_token(SECRET, token, now=NOW + timedelta(hours=1))
    assert (decision.target_id, decision.action, decision.nonce) == (123, "accept", nonce)
    assert decision.issued_at == NOW
    assert decision_url("https://sira.example.org/", token) == f"https://sira.example.org/email/decision/{token}"


def test_every_link_has_its_own_nonce_so_single_use_can_be_enforced():
    first = make_decision_token(SECRET, 123, "accept", now=NOW)
    second = make_decision_token(SECRET, 123, "accept", now=NOW)
    assert first[1] != second[1] and first[0] != second[0]


def test_an_expired_link_is_refused():
    token, _ = make_decision_token(SECRET, 123, "decline", now=NOW)
    read_decision_token(SECRET, token, max_age=timedelta(hours=72), now=NOW + timedelta(hours=71))
    with pytest.raises(LinkExpired):
        read_decision_token(SECRET, token, max_age=timedelta(hours=72), now=NOW + timedelta(hours=73))


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
    lambda t: t.replace(t.split(".")[0], t.split(".")[0][:-1] + "x"),  # payload changed
    lambda t: "garbage",
    lambda t: "",
])
def test_a_tampered_link_is_refused(mangle):
    token, _ = make_decision_token(SECRET, 123, "accept", now=NOW)
    with pytest.raises(LinkInvalid):
        read_decision_token(SECRET, mangle(token), now=NOW)


def test_a_link_signed_with_another_key_is_refused():
    token, _ = make_decision_token("another-secret-key-entirely", 123, "accept", now=NOW)
    with pytest.raises(LinkInvalid):
        read_decision_token(SECRET, token, now=NOW)


def test_only_known_actions_can_be_signed():
    with pytest.raises(ValueError):
        make_decision_token(SECRET, 123, "delete", now=NOW)
