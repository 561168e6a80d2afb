"""Outbox delivery through the real Twilio and SMTP clients against loopback fakes, on both databases."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.base import StatusUpdate
from directory.models import Contact, ContactChannel, Organisation
from hub.extensions import db
from hub.timeutil import utcnow
from notifications.delivery import deliver, record_status, relay
from notifications.outbox import OutboxMessage, queue_to_contact
from notifications.templates import MessageContext, MessageKind
from tests.support import dispose, make_test_app, reset_database


@pytest.fixture
def channel_app(database_url, tmp_path, channel_environ):
    app = make_test_app(database_url, tmp_path, **channel_environ)
    reset_database(app)
    with app.app_context():
        yield app
    dispose(app)


def make_contact(demo=False, channels=(("sms", "+22376123456"), ("email", "focal@samusocial.example"))):
    organisation = Organisation(name="Samusocial Mali", acronym="SSM", kind="national_ngo")
    contact = Contact(organisation=organisation, role="focal_point", name="Point focal", demo=demo)
    contact.channels = [ContactChannel(position=i, kind=k, address=a) for i, (k, a) in enumerate(channels)]
    db.session.add(contact)
    db.session.flush()
    return contact


CONTEXT = MessageContext(code="K7Q2", service="Hébergement", urgency="Élevé", commune="Commune VI",
                         deadline=utcnow() + timedelta(hours=4), organisation="Samusocial Mali")


def outbox_rows():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_message_is_sent_once_after_commit_through_twilio(channel_app, fake_twilio):
    contact = make_contact()
    message = queue_to_contact(contact, MessageKind.NEW_REFERRAL, CONTEXT)
    assert fake_twilio.messages == []  # nothing leaves before the commit
    db.session.commit()

    assert len(fake_twilio.messages) == 1
    sent = fake_twilio.messages[0]
    assert sent["To"] == "+22376123456" and "K7Q2" in sent["Body"]
    row = outbox_rows()[0]
    assert row.status == "sent" and row.provider_message_id == sent["sid"]

    assert deliver(message.id) == "skipped"  # delivering twice sends once
    assert len(fake_twilio.messages) == 1


def test_rollback_sends_nothing(channel_app, fake_twilio):
    queue_to_contact(make_contact(), MessageKind.NEW_REFERRAL, CONTEXT)
    db.session.rollback()
    assert fake_twilio.messages == [] and outbox_rows() == []


def test_provider_500_retries_later_with_backoff(channel_app, fake_twilio):
    fake_twilio.fail_next(1, status=500)
    queue_to_contact(make_contact(), MessageKind.NEW_REFERRAL, CONTEXT)
    db.session.commit()
    row = outbox_rows()[0]
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at > utcnow()
    assert relay() == 0  # not due yet
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert relay() == 1  # due: re-dispatched, delivered after the relay's commit
    assert outbox_rows()[0].status == "sent"
    assert len(fake_twilio.messages) == 1


def test_invalid_number_fails_over_to_email_and_marks_sms_unhealthy(channel_app, fake_twilio, fake_smtp):
    fake_twilio.fail_next(1, status=400, code=21211)
    contact = make_contact()
    queue_to_contact(contact, MessageKind.NEW_REFERRAL, CONTEXT)
    db.session.commit()

    sms, email = outbox_rows()
    assert sms.status == "failed" and "21211" in sms.last_error
    assert email.channel == "email" and email.status == "sent" and email.failover_of_id == sms.id
    assert len(fake_smtp.messages) == 1
    db.session.refresh(contact)
    assert [c.healthy for c in contact.channels] == [False, True]


def test_undelivered_status_callback_fails_over(channel_app, fake_twilio, fake_smtp):
    queue_to_contact(make_contact(), MessageKind.NEW_REFERRAL, CONTEXT)
    db.session.commit()
    sid = fake_twilio.messages[0]["sid"]
    assert record_status(StatusUpdate("sms", sid, "undelivered", "30003")) == "failover"
    db.session.commit()
    assert [r.status for r in outbox_rows()] == ["failed", "sent"]
    assert record_status(StatusUpdate("sms", sid, "delivered")) == "ignored"  # first final status wins


def test_demo_contact_never_reaches_a_real_provider(channel_app, fake_twilio):
    queue_to_contact(make_contact(demo=True), MessageKind.NEW_REFERRAL, CONTEXT)
    db.session.commit()
    assert fake_twilio.messages == []
    row = outbox_rows()[0]
    assert row.status == "sent" and row.simulated


def test_relay_frees_a_delivery_killed_mid_send(channel_app, fake_twilio):
    message = queue_to_contact(make_contact(), MessageKind.NEW_REFERRAL, CONTEXT)
    message.status, message.claimed_at = "sending", utcnow() - timedelta(minutes=10)
    # Simulate the worker dying after the claim: no job runs for this row.
    db.session.info.pop("sira_dispatch_pending", None)
    db.session.commit()
    assert relay() == 1
    db.session.commit()
    assert outbox_rows()[0].status == "sent"
    assert len(fake_twilio.messages) == 1
