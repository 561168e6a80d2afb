"""A referral world with every channel configured against its loopback fake, and helpers that call the
webhooks the way the providers do (Twilio signs with its RequestValidator; Telegram echoes the secret)."""

from __future__ import annotations

import itertools
import uuid

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from directory.models import Contact, ContactChannel
from hub.extensions import db
from hub.referrals.models import Referral, ReferralTarget
from notifications.outbox import OutboxMessage
from tests.integration.referrals.conftest import make_world, send
from tests.support import dispose, make_test_app, reset_database

_update_ids = itertools.count(10_000)


@pytest.fixture
def app(database_url, tmp_path, channel_environ):
    app = make_test_app(database_url, tmp_path, **channel_environ)
    reset_database(app)
    yield app
    dispose(app)


@pytest.fixture
def world(app):
    return make_world(app)


@pytest.fixture
def referral(app, client, world):
    """A referral sent through the API: its code, first target id, and that target's first contact."""
    response = send(client, world)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    with app.app_context():
        target = db.session.get(ReferralTarget, body["targets"][0]["id"])
        contact = db.session.get(Contact, target.contact_order[0])
        phone = next(c.address for c in contact.channels if c.kind == "sms")
        return {"code": body["code"], "target_id": target.id, "organisation_id": target.organisation_id,
                "contact_id": contact.id, "phone": phone, "body": body}


def sign_twilio(app, path: str, form: dict) -> str:
    settings = app.config["CHANNELS"]
    return RequestValidator(settings.twilio.auth_token).compute_signature(settings.public_url + path, form)


def post_sms(client, app, sender: str, body: str, sid: str | None = None, signature: str | None = None):
    form = {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "AccountSid": app.config["CHANNELS"].twilio.account_sid,
            "From": sender, "To": "+22370000000", "Body": body, "NumMedia": "0"}
    headers = {"X-Twilio-Signature": signature or sign_twilio(app, "/webhooks/twilio/sms", form)}
    return client.post("/webhooks/twilio/sms", data=form, headers=headers)


def post_status(client, app, sid: str, status: str = "delivered"):
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": app.config["CHANNELS"].twilio.account_sid}
    headers = {"X-Twilio-Signature": sign_twilio(app, "/webhooks/twilio/status", form)}
    return client.post("/webhooks/twilio/status", data=form, headers=headers)


def post_telegram(client, app, update: dict, secret: str | None = None):
    update = {"update_id": next(_update_ids), **update}
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret or app.config["CHANNELS"].telegram.webhook_secret}
    return client.post("/webhooks/telegram", json=update, headers=headers)


def telegram_button(chat_id: int, data: str, message_id: int = 1000) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Point focal"}
    return {"callback_query": {"id": f"cb{uuid.uuid4().hex[:8]}", "from": user, "chat_instance": "1", "data": data,
                               "message": {"message_id": message_id, "date": 1700000000, "text": "Nouvelle",
                                           "chat": {"id": chat_id, "type": "private"}}}}


def telegram_text(chat_id: int, text: str) -> dict:
    return {"message": {"message_id": 7, "date": 1700000000, "text": text,
                        "chat": {"id": chat_id, "type": "private"},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "Point focal"}}}


def target_state(app, target_id: int) -> str:
    with app.app_context():
        return db.session.get(ReferralTarget, target_id).state


def outbox(app, **where) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def add_channel(app, contact_id: int, kind: str, address: str) -> None:
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        position = max(c.position for c in contact.channels) + 1
        db.session.add(ContactChannel(contact_id=contact_id, position=position, kind=kind, address=address))
        db.session.commit()


def referral_code_of(app, organisation_id_not: int) -> str:
    """A code of a referral none of whose targets is addressed to `organisation_id_not` (for foreign tests)."""
    with app.app_context():
        for referral in db.session.scalars(select(Referral)):
            if all(t.organisation_id != organisation_id_not for t in referral.targets):
                return referral.code
    raise AssertionError("no foreign referral")
