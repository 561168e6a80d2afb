"""Telegram buttons and text, chat linking with a one-time code, and signed e-mail decision links."""

from __future__ import annotations

import re

from click.testing import CliRunner  # noqa: F401  (flask's runner wraps it)
from sqlalchemy import select

from adapters.email_links import make_decision_token
from directory.models import Contact
from hub.extensions import db
from hub.webhooks import inbound
from tests.integration.channels.conftest import (
    add_channel,
    outbox,
    post_telegram,
    target_state,
    telegram_button,
    telegram_text,
)

CHAT = 555123001


def make_real_contact(app, contact_id: int) -> None:
    """The fake Telegram server only sees non-demo contacts (demo ones go to the simulator)."""
    with app.app_context():
        db.session.get(Contact, contact_id).demo = False
        db.session.commit()
    add_channel(app, contact_id, "telegram", str(CHAT))


def test_telegram_button_accepts_answers_the_callback_and_shows_the_outcome(app, client, referral, fake_telegram):
    make_real_contact(app, referral["contact_id"])
    data = f"a:{referral['code']}:{referral['target_id']}"
    response = post_telegram(client, app, telegram_button(CHAT, data, message_id=4242))
    assert response.status_code == 200
    assert target_state(app, referral["target_id"]) == "accepted"
    assert len(outbox(app, kind="accepted_notice")) == 1
    answered = fake_telegram.calls_to("answerCallbackQuery")
    assert len(answered) == 1 and "acceptée" in answered[0].params["text"]
    edits = fake_telegram.calls_to("editMessageText")
    assert len(edits) == 1 and str(edits[0].params["message_id"]) == "4242"
    assert "acceptée" in edits[0].params["text"]


def test_telegram_replayed_update_acts_once_and_forged_secret_is_refused(app, client, referral, fake_telegram):
    make_real_contact(app, referral["contact_id"])
    update = {"update_id": 777, **telegram_button(CHAT, f"a:{referral['code']}:{referral['target_id']}")}
    assert post_telegram(client, app, update, secret="wrong-secret-0123456789").status_code == 403
    assert target_state(app, referral["target_id"]) == "sent"
    assert post_telegram(client, app, update).status_code == 200
    assert post_telegram(client, app, update).status_code == 200
    assert len(outbox(app, kind="accepted_notice")) == 1
    assert len(fake_telegram.calls_to("answerCallbackQuery")) == 1


def test_telegram_button_of_a_foreign_chat_changes_nothing(app, client, referral, fake_telegram):
    data = f"a:{referral['code']}:{referral['target_id']}"
    post_telegram(client, app, telegram_button(999000111, data))  # nobody's chat
    assert target_state(app, referral["target_id"]) == "sent"


def test_telegram_text_command_is_answered_by_a_message(app, client, referral, fake_telegram):
    make_real_contact(app, referral["contact_id"])
    post_telegram(client, app, telegram_text(CHAT, f"VU {referral['code']}"))
    assert target_state(app, referral["target_id"]) == "acknowledged"
    sent = [c for c in fake_telegram.calls_to("sendMessage") if str(c.params["chat_id"]) == str(CHAT)]
    assert sent and "réception notée" in sent[-1].params["text"]


def test_a_chat_is_linked_with_a_one_time_code_from_the_web(app, client, world, referral, fake_telegram):
    from hub.auth.models import User
    from hub.auth.passwords import hash_password
    from tests.integration.referrals.conftest import add_provider

    add_provider(app, world, "enda", referral["organisation_id"])
    with app.app_context():
        user = db.session.get(User, world.users["enda"])
        user.password_hash = hash_password("mot-de-passe-de-test-2026")
        db.session.commit()
    web = app.test_client()
    assert web.post("/connexion", data={"email": "enda@test.sira",
                                        "password": "mot-de-passe-de-test-2026"}).status_code == 302
    assert web.get("/telegram/lier").status_code == 200
    page = web.post(f"/telegram/lier/{referral['contact_id']}")
    code = re.search(r'id="link-code">([0-9A-Z]{8})<', page.get_data(as_text=True)).group(1)

    post_telegram(client, app, telegram_text(CHAT, f"/start {code}"))
    with app.app_context():
        contact = db.session.get(Contact, referral["contact_id"])
        assert str(CHAT) in [c.address for c in contact.channels if c.kind == "telegram"]
    assert outbox(app, kind="telegram_linked", address=str(CHAT))
    post_telegram(client, app, telegram_text(CHAT + 1, f"/start {code}"))  # single use
    assert outbox(app, kind="error_link_code", address=str(CHAT + 1))


def test_set_webhook_command_registers_the_url_and_secret(app, fake_telegram):
    result = app.test_cli_runner().invoke(args=["telegram", "set-webhook"])
    assert result.exit_code == 0, result.output
    call = fake_telegram.calls_to("setWebhook")[0]
    assert call.params["url"] == "https://sira.example.org/webhooks/telegram"
    assert call.params["secret_token"] == app.config["CHANNELS"].telegram.webhook_secret


def _link(app, target_id: int, action: str) -> str:
    token, _ = make_decision_token(app.config["SECRET_KEY"], target_id, action)
    return f"/email/decision/{token}"


def test_email_link_opens_a_confirmation_page_and_acts_once(app, client, referral):
    link = _link(app, referral["target_id"], "accept")
    page = client.get(link)
    assert page.status_code == 200 and referral["code"] in page.get_data(as_text=True)
    assert target_state(app, referral["target_id"]) == "sent"  # a GET (a mail scanner) never acts
    done = client.post(link)
    assert done.status_code == 200 and "acceptée" in done.get_data(as_text=True)
    assert target_state(app, referral["target_id"]) == "accepted"
    assert len(outbox(app, kind="accepted_notice")) == 1
    assert client.post(link).status_code == 410  # second use refused
    assert client.get(link).status_code == 410
    assert len(outbox(app, kind="accepted_notice")) == 1


def test_email_decline_link_needs_a_reason_and_keeps_the_link_usable_until_then(app, client, referral):
    link = _link(app, referral["target_id"], "decline")
    assert client.post(link).status_code == 422
    assert target_state(app, referral["target_id"]) == "sent"
    assert client.post(link, data={"reason_number": "2"}).status_code == 200
    assert target_state(app, referral["target_id"]) == "declined"


def test_email_confirmation_post_needs_the_pages_csrf_token(database_url, tmp_path, channel_environ):
    from tests.integration.referrals.conftest import make_world, send
    from tests.support import dispose, make_test_app, reset_database

    app = make_test_app(database_url, tmp_path, WTF_CSRF_ENABLED=True, **channel_environ)
    reset_database(app)
    try:
        world = make_world(app)
        client = app.test_client()
        body = send(client, world).get_json()
        link = _link(app, body["targets"][0]["id"], "accept")
        assert client.post(link).status_code == 400  # no token: refused by CSRF
        page = client.get(link).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(link, data={"csrf_token": token}).status_code == 200
        assert target_state(app, body["targets"][0]["id"]) == "accepted"
    finally:
        dispose(app)


def test_a_forged_or_foreign_link_is_refused(app, client, referral):
    assert client.get("/email/decision/not-a-token").status_code == 410
    token, _ = make_decision_token("another-secret-key-entirely", referral["target_id"], "accept")
    assert client.post(f"/email/decision/{token}").status_code == 410
    assert target_state(app, referral["target_id"]) == "sent"


def test_reading_a_link_does_not_spend_it(app, referral):
    with app.app_context():
        token, _ = make_decision_token(app.config["SECRET_KEY"], referral["target_id"], "accept")
        from hub.timeutil import utcnow

        inbound.read_email_link(token, utcnow())
        assert inbound.handle_email_decision(token, utcnow()).acted
        assert db.session.scalar(select(Contact.id).limit(1)) is not None
