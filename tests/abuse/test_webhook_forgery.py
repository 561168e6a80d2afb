"""Forged and replayed requests against every inbound endpoint of the running app, in one place.

Endpoints: Twilio inbound SMS and status callbacks, the Telegram webhook (texts and buttons), the e-mail
decision links. For each: a forged request gets a clear refusal (403 for webhooks; 410 and a French
message for a link, which a person opens in a browser) and changes NOTHING: the same rows in referrals,
targets, transitions, outbox and processed ids, and the same audit-chain head. A replay acts exactly once:
one state transition, however many times it arrives.

Some single cases also live next to their feature (tests/integration/channels/); this file is the
checklist. Forgeries are refused before any database work, so they run on SQLite only; replays rely on
the database's unique index, so they run on both databases.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from adapters.email_links import make_decision_token
from hub.audit import AuditEntry, AuditHead
from hub.extensions import db
from hub.referrals.models import Referral, ReferralTarget, TargetTransition
from hub.timeutil import utcnow
from hub.webhooks.models import ProcessedInbound
from notifications.outbox import OutboxMessage
from tests.integration.channels.conftest import (
    add_channel,
    app,
    post_telegram,
    referral,
    sign_twilio,
    target_state,
    telegram_button,
    telegram_text,
    world,
)

# The channels' world (every channel configured against its loopback fake, one referral sent) is the
# world these tests attack: its fixtures, imported, are this module's fixtures too.
CHANNEL_FIXTURES = (app, world, referral)

SMS_PATH, STATUS_PATH, TELEGRAM_PATH = "/webhooks/twilio/sms", "/webhooks/twilio/status", "/webhooks/telegram"
CHAT, OTHER_CHAT = 555123001, 555999002
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def snapshot(app) -> dict:
    """Everything a forged request must leave as it was."""
    with app.app_context():
        count = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                 for model in (Referral, ReferralTarget, TargetTransition, OutboxMessage, ProcessedInbound,
                               AuditEntry)}
        head = db.session.scalar(select(AuditHead))
        return {
            **count,
            "audit_head": (head.seq, head.last_hash) if head else None,
            "targets": sorted(db.session.execute(select(ReferralTarget.id, ReferralTarget.state)).all()),
            "outbox": sorted(db.session.execute(select(OutboxMessage.id, OutboxMessage.status)).all()),
        }


def transitions(app, target_id: int, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TargetTransition).where(
            TargetTransition.target_id == target_id, TargetTransition.action == action))


def sms_form(app, sender: str, body: str, sid: str | None = None) -> dict:
    return {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "AccountSid": app.config["CHANNELS"].twilio.account_sid,
            "From": sender, "To": "+22370000000", "Body": body, "NumMedia": "0"}


def status_form(app, sid: str, status: str = "delivered") -> dict:
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": app.config["CHANNELS"].twilio.account_sid}


def signed(app, path: str, form: dict) -> dict:
    return {"X-Twilio-Signature": sign_twilio(app, path, form)}


def twilio_forgeries(app, path: str, form: dict, tampered: dict) -> list[tuple[str, dict, dict, str]]:
    """(what, form sent, headers, query string): every way a request can fail to be Twilio's own."""
    public = app.config["CHANNELS"].public_url
    other_token = RequestValidator("not-our-auth-token-0000000000000")
    other_path = STATUS_PATH if path == SMS_PATH else SMS_PATH
    return [
        ("no signature", form, {}, ""),
        ("empty signature", form, {"X-Twilio-Signature": ""}, ""),
        ("garbage signature", form, {"X-Twilio-Signature": "Zm9yZ2VkIHNpZ25hdHVyZQ=="}, ""),
        ("signed with another auth token",
         form, {"X-Twilio-Signature": other_token.compute_signature(public + path, form)}, ""),
        ("signed for the other webhook", form, signed(app, other_path, form), ""),
        ("signed for another host", form, {"X-Twilio-Signature": RequestValidator(
            app.config["CHANNELS"].twilio.auth_token).compute_signature("https://evil.example" + path, form)}, ""),
        ("signed for plain http", form, {"X-Twilio-Signature": RequestValidator(
            app.config["CHANNELS"].twilio.auth_token).compute_signature(public.replace("https:", "http:") + path,
                                                                         form)}, ""),
        ("signed without the query string it is sent with", form, signed(app, path, form), "x=1"),
        ("a captured request replayed under a new MessageSid", {**form, "MessageSid": f"SM{uuid.uuid4().hex}"},
         signed(app, path, form), ""),
        ("valid signature, body changed", tampered, signed(app, path, form), ""),
        ("valid signature, a field added", {**form, "Extra": "1"}, signed(app, path, form), ""),
        ("valid signature, a field removed", {k: v for k, v in form.items() if k != "AccountSid"},
         signed(app, path, form), ""),
    ]


def set_provider_message_id(app, target_id: int, sid: str) -> None:
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "new_referral",
                                                            OutboxMessage.target_id == target_id))
        row.provider_message_id, row.channel = sid, "sms"
        db.session.commit()


def link_telegram_chat(app, contact_id: int, chat: int = CHAT) -> None:
    """A real (non-demo) contact reachable on Telegram: only those are answered through the fake Bot API."""
    from directory.models import Contact

    with app.app_context():
        db.session.get(Contact, contact_id).demo = False
        db.session.commit()
    add_channel(app, contact_id, "telegram", str(chat))


# --- Twilio --------------------------------------------------------------------------------------------

@sqlite_only
def test_forged_twilio_sms_and_status_callbacks_are_refused_and_change_nothing(app, client, referral):
    sid = f"SM{uuid.uuid4().hex}"
    set_provider_message_id(app, referral["target_id"], sid)
    accept = sms_form(app, referral["phone"], f"OUI {referral['code']}")
    delivered = status_form(app, sid)
    cases = [(SMS_PATH, *case) for case in twilio_forgeries(
        app, SMS_PATH, accept, {**accept, "Body": f"NON {referral['code']} 1"})]
    cases += [(STATUS_PATH, *case) for case in twilio_forgeries(
        app, STATUS_PATH, delivered, {**delivered, "MessageStatus": "failed"})]
    before = snapshot(app)

    for path, what, form, headers, query in cases:
        url = f"{path}?{query}" if query else path
        response = client.post(url, data=form, headers=headers)
        assert response.status_code == 403, (path, what)
        assert "<Message>" not in response.get_data(as_text=True)
    for path in (SMS_PATH, STATUS_PATH):  # a GET (a crawler, a curious admin) is not a webhook call
        assert client.get(path, query_string=accept).status_code == 405

    assert snapshot(app) == before
    # The genuine requests still work afterwards: the refusals did not spend their MessageSid.
    assert client.post(SMS_PATH, data=accept, headers=signed(app, SMS_PATH, accept)).status_code == 200
    assert target_state(app, referral["target_id"]) == "accepted"


def test_replayed_twilio_requests_act_exactly_once(app, client, referral):
    sid = f"SM{uuid.uuid4().hex}"
    set_provider_message_id(app, referral["target_id"], sid)
    delivered = status_form(app, sid)
    for _ in range(3):
        assert client.post(STATUS_PATH, data=delivered, headers=signed(app, STATUS_PATH, delivered)).status_code == 204
    assert transitions(app, referral["target_id"], "deliver") == 1

    seen = sms_form(app, referral["phone"], f"VU {referral['code']}")
    answers = [client.post(SMS_PATH, data=seen, headers=signed(app, SMS_PATH, seen)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "réception notée" in answers[0].get_data(as_text=True)
    assert all("<Message>" not in a.get_data(as_text=True) for a in answers[1:])  # no second answer either
    assert transitions(app, referral["target_id"], "acknowledge") == 1
    after_first = snapshot(app)

    # The same text under a new MessageSid is a new message: read, but it cannot move the target again.
    again = sms_form(app, referral["phone"], f"VU {referral['code']}")
    client.post(SMS_PATH, data=again, headers=signed(app, SMS_PATH, again))
    assert transitions(app, referral["target_id"], "acknowledge") == 1
    assert snapshot(app)["targets"] == after_first["targets"]


# --- Telegram ------------------------------------------------------------------------------------------

@sqlite_only
def test_forged_telegram_updates_are_refused_and_change_nothing(app, client, referral, fake_telegram):
    link_telegram_chat(app, referral["contact_id"])
    secret = app.config["CHANNELS"].telegram.webhook_secret
    updates = [telegram_button(CHAT, f"a:{referral['code']}:{referral['target_id']}"),
               telegram_text(CHAT, f"OUI {referral['code']}")]
    wrong_secrets = [None, "", "wrong-secret-0123456789", secret.upper(), secret[:-1], secret + "x", f" {secret}",
                     secret + "\u200b"]
    before = snapshot(app)
    calls_before = len(fake_telegram.calls)

    for update in updates:
        for wrong in wrong_secrets:
            headers = {} if wrong is None else {"X-Telegram-Bot-Api-Secret-Token": wrong}
            body = {"update_id": 900_000 + len(fake_telegram.calls), **update}
            response = client.post(TELEGRAM_PATH, json=body, headers=headers)
            assert response.status_code == 403, repr(wrong)
    assert client.get(TELEGRAM_PATH, headers={"X-Telegram-Bot-Api-Secret-Token": secret}).status_code == 405
    # Garbled updates with the right secret: 200 (else Telegram re-sends them forever), and nothing read.
    garbled = [{"update_id": 1, "message": {**updates[1]["message"], "date": 2**40}},  # past any clock
               {"update_id": 2, "callback_query": {"id": "c1", "chat_instance": "1", "data": "a:K7Q2:1"}},
               {"update_id": "3", **updates[0]}, [1, 2], "OUI"]
    for body in garbled:
        response = client.post(TELEGRAM_PATH, json=body, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        assert response.status_code == 200, body

    assert snapshot(app) == before
    assert len(fake_telegram.calls) == calls_before  # nobody was answered either


def test_replayed_telegram_updates_act_exactly_once(app, client, referral, fake_telegram):
    link_telegram_chat(app, referral["contact_id"])
    press = {"update_id": 4_242_001, **telegram_button(CHAT, f"v:{referral['code']}:{referral['target_id']}")}
    for _ in range(3):
        assert post_telegram(client, app, press).status_code == 200
    assert transitions(app, referral["target_id"], "acknowledge") == 1
    assert len(fake_telegram.calls_to("answerCallbackQuery")) == 1

    accept = {"update_id": 4_242_002, **telegram_text(CHAT, f"OUI {referral['code']}")}
    for _ in range(3):
        assert post_telegram(client, app, accept).status_code == 200
    assert transitions(app, referral["target_id"], "accept") == 1
    assert target_state(app, referral["target_id"]) == "accepted"
    # The same button pressed again later (a new update id) is read, but the referral is already answered.
    post_telegram(client, app, telegram_button(CHAT, f"a:{referral['code']}:{referral['target_id']}"))
    assert transitions(app, referral["target_id"], "accept") == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProcessedInbound).where(
            ProcessedInbound.provider_message_id.in_(["update:4242001", "update:4242002"]))) == 2


@sqlite_only
def test_a_button_from_an_unlinked_or_foreign_chat_changes_nothing(app, client, world, referral, fake_telegram):
    from directory.models import Contact

    # A chat linked to a contact of another organisation, one the referral is not addressed to.
    with app.app_context():
        addressed = {t["organisation"]["id"] for t in referral["body"]["targets"]}
        foreign = db.session.scalar(select(Contact).where(Contact.organisation_id.not_in(addressed)))
    link_telegram_chat(app, foreign.id, OTHER_CHAT)
    link_telegram_chat(app, referral["contact_id"], CHAT)
    own_data = f"a:{referral['code']}:{referral['target_id']}"
    before = snapshot(app)

    post_telegram(client, app, telegram_button(777_000_111, own_data))  # a chat nobody linked
    post_telegram(client, app, telegram_button(OTHER_CHAT, own_data))  # a foreign organisation's chat
    for forged in (f"a:{referral['code']}:{referral['target_id'] + 1000}",  # a target that does not exist
                   f"a:ZZ99:{referral['target_id']}",  # a code that is not this target's
                   f"x:{referral['code']}:{referral['target_id']}", "a:" + "9" * 60):  # data we never made
        post_telegram(client, app, telegram_button(CHAT, forged))

    after = snapshot(app)
    for table in ("referral", "referral_target", "target_transition", "outbox_message", "targets", "outbox"):
        assert after[table] == before[table], table
    assert target_state(app, referral["target_id"]) == "sent"
    # What did change: each update id is recorded (a replay stays a no-op), and the refusals are audited.
    assert after["processed_inbound"] == before["processed_inbound"] + 6
    with app.app_context():
        refused = db.session.scalars(select(AuditEntry.action).where(AuditEntry.seq > before["audit_head"][0]))
        assert sorted(refused) == ["inbound.refused", "inbound.unknown_sender"]


# --- E-mail decision links -----------------------------------------------------------------------------

def _link(app, target_id: int, action: str, **kwargs) -> str:
    token, _ = make_decision_token(app.config["SECRET_KEY"], target_id, action, **kwargs)
    return f"/email/decision/{token}"


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _tampered(link: str) -> list[str]:
    token = link.rsplit("/", 1)[1]
    payload, timestamp, signature = token.rsplit(".", 2)
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    return [
        f"/email/decision/{payload}.{timestamp}.{flipped}",  # signature altered
        f"/email/decision/{payload[:-1] + ('x' if payload[-1] != 'x' else 'y')}.{timestamp}.{signature}",  # payload
        f"/email/decision/{payload}.{timestamp}",  # signature cut off
        f"/email/decision/{payload}.{timestamp}.{signature}{signature}",
        "/email/decision/" + "A" * 400,
    ]


@sqlite_only
def test_tampered_or_expired_email_links_are_refused_and_change_nothing(app, client, referral):
    target_id = referral["target_id"]
    max_age = app.config["CHANNELS"].email_link_max_age_hours
    expired = _link(app, target_id, "accept", now=utcnow() - timedelta(hours=max_age, minutes=1))
    foreign = make_decision_token("another-secret-key-entirely", target_id, "accept")[0]
    forged = [*_tampered(_link(app, target_id, "accept")), f"/email/decision/{foreign}"]
    before = snapshot(app)

    for link in forged:
        for method in (client.get, client.post):
            response = method(link)
            assert response.status_code in (404, 410), (link, method)
            if response.status_code == 410:
                assert re.search(r"lien .*n'est (pas|plus) valide", page_text(response)), link
    page = client.get(expired)
    assert page.status_code == 410 and "Ce lien a expiré" in page_text(page)
    assert client.post(expired).status_code == 410

    assert snapshot(app) == before


def test_an_email_link_acts_once_and_opening_it_never_does(app, client, referral):
    target_id = referral["target_id"]
    link = _link(app, target_id, "accept")
    before = snapshot(app)
    for _ in range(3):  # a mail scanner, a preview pane, the person: all GET
        page = client.get(link)
        assert page.status_code == 200 and referral["code"] in page.get_data(as_text=True)
    assert snapshot(app) == before

    assert client.post(link).status_code == 200
    assert [client.post(link).status_code for _ in range(2)] == [410, 410]  # the nonce is spent
    assert client.get(link).status_code == 410
    assert transitions(app, target_id, "accept") == 1
    # Another link of the same e-mail (a second nonce) cannot decide again either.
    response = client.post(_link(app, target_id, "decline"), data={"reason_number": "1"})
    assert response.status_code == 422
    assert (transitions(app, target_id, "accept"), transitions(app, target_id, "decline")) == (1, 0)
    assert target_state(app, target_id) == "accepted"
