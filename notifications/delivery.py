"""Delivering outbox rows: once, with retry and backoff, failing over to a contact's next channel.

`deliver(id)` first claims the row with a conditional UPDATE (pending -> sending), commits, sends outside
any transaction, then records the outcome. A second `deliver(id)` for the same row finds nothing to
claim and does nothing, so dispatching twice sends once. A process killed between claim and outcome
leaves the row `sending`; the relay hands it back after SENDING_TIMEOUT, which can cost at most one
duplicate message for that kill and never a lost one.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from adapters.base import (
    Button,
    DeliveryError,
    OutboundMessage,
    PermanentError,
    RecipientUnreachable,
    StatusUpdate,
    Throttled,
)
from adapters.registry import adapter_for
from directory.models import Contact, ContactChannel
from hub.dispatch import dispatch
from hub.extensions import db
from hub.timeutil import utcnow
from notifications.outbox import (
    DELIVERED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    NoReachableChannel,
    OutboxMessage,
    context_from_json,
    queue_to_contact,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=15)
BACKOFF_CAP = timedelta(minutes=15)
SENDING_TIMEOUT = timedelta(minutes=5)
# A fresh row's own deliver job is normally in flight: the relay leaves it alone for this long.
RELAY_GRACE = timedelta(seconds=30)
# A never-tried row the relay handed out is most likely still queued behind a backlog (after a Redis
# outage): handing it out again at every relay run (15 s) multiplied the backlog. Again only after this.
RELAY_REDISPATCH_AFTER = timedelta(minutes=2)
RELAY_BATCH = 500


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter between half and the whole step (the AWS pattern)."""
    step = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    return step * (0.5 + (rng or random).random() / 2)


def _claim(outbox_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == PENDING,
               or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .values(status=SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver(outbox_id: int) -> str:
    """Send one outbox row if it is still pending and due; returns what happened (for logs and tests)."""
    if not _claim(outbox_id, utcnow()):
        return "skipped"
    message = db.session.get(OutboxMessage, outbox_id)
    adapter = adapter_for(message.channel, message.demo,
                          current_app.config.get("CHANNELS") or {**os.environ, **current_app.config})
    outbound = OutboundMessage(
        message.channel, message.address, message.body, subject=message.subject, html=message.html,
        buttons=tuple(Button(b["label"], b["data"]) for b in message.buttons or []),
        outbox_id=message.id, recipient_is_demo=message.demo,
    )
    try:
        result = adapter.send(outbound)
    except DeliveryError as error:
        return _record_failure(message, error, utcnow())
    except Exception as error:  # a bug or an unexpected SDK error: keep the row, retry later
        log.exception("unexpected error delivering outbox %s", outbox_id)
        return _record_failure(message, DeliveryError(f"{type(error).__name__}: {error}"), utcnow())
    message.status = SENT
    message.sent_at = utcnow()
    message.provider_message_id = result.provider_message_id
    message.simulated = result.simulated
    message.last_error = None
    db.session.commit()
    return SENT


def _record_failure(message: OutboxMessage, error: DeliveryError, now: datetime) -> str:
    message.last_error = f"{type(error).__name__}: {error.reason}"[:2000]
    if isinstance(error, PermanentError) or message.attempts >= MAX_ATTEMPTS:
        if isinstance(error, RecipientUnreachable):
            _mark_channel_unhealthy(message, error.reason)
        outcome = _fail_over(message, now)
        db.session.commit()
        return outcome
    wait = backoff(message.attempts)
    if isinstance(error, Throttled):
        wait = max(wait, timedelta(seconds=error.retry_after))
    message.status = PENDING
    message.next_attempt_at = now + wait
    db.session.commit()
    return "retry"


def _mark_channel_unhealthy(message: OutboxMessage, reason: str) -> None:
    if message.contact_channel_id is not None:
        channel = db.session.get(ContactChannel, message.contact_channel_id)
        channel.healthy = False
        channel.last_error = reason[:500]


def _fail_over(message: OutboxMessage, now: datetime) -> str:
    """Mark the row failed and, for a contact, write the same message to their next healthy channel."""
    message.status = FAILED
    if message.contact_id is None:
        return FAILED
    contact = db.session.get(Contact, message.contact_id)
    current = db.session.get(ContactChannel, message.contact_channel_id) if message.contact_channel_id else None
    try:
        queue_to_contact(contact, message.kind, context_from_json(message.context),
                         referral_id=message.referral_id, target_id=message.target_id,
                         after_position=current.position if current else None, failover_of=message)
    except NoReachableChannel:
        return FAILED
    return "failover"


def record_status(update_event: StatusUpdate,
                  on_delivered: Callable[[OutboxMessage, datetime], None] | None = None) -> str:
    """A provider's status callback: delivered, or undelivered/failed (which fails over).

    `on_delivered(message, now)` runs in the same transaction as the delivered mark (the referral
    wiring moves the target sent -> delivered there), so both are committed together or not at all.
    """
    message = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.provider_message_id == update_event.provider_message_id,
        OutboxMessage.channel == update_event.channel))
    if message is None:
        return "unknown"
    if message.status in (DELIVERED, FAILED):
        return "ignored"  # callbacks arrive out of order and repeat; the first final status wins
    now = utcnow()
    if update_event.status == "delivered":
        message.status, message.delivered_at = DELIVERED, now
        if on_delivered is not None:
            on_delivered(message, now)
        db.session.commit()
        return DELIVERED
    message.last_error = f"{update_event.status} (code {update_event.error_code})"
    outcome = _fail_over(message, now)
    db.session.commit()
    return outcome


def relay(now: datetime | None = None) -> int:
    """Periodic: re-dispatch rows left pending and due, and free rows stuck in `sending`."""
    now = now or utcnow()
    stuck = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < now - SENDING_TIMEOUT)
        .values(status=PENDING, next_attempt_at=now)
    ).rowcount
    # A pending row never tried has no next_attempt_at; its claimed_at, unused until a claim, records
    # when the relay last handed it out (tests/faults/test_relay_backlog.py).
    never_tried = and_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.created_at <= now - RELAY_GRACE,
                       or_(OutboxMessage.claimed_at.is_(None),
                           OutboxMessage.claimed_at <= now - RELAY_REDISPATCH_AFTER))
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING, or_(OutboxMessage.next_attempt_at <= now, never_tried))
        .order_by(OutboxMessage.id).limit(RELAY_BATCH)
    ).all()
    if due:
        db.session.execute(update(OutboxMessage)
                           .where(OutboxMessage.id.in_(due), OutboxMessage.next_attempt_at.is_(None))
                           .values(claimed_at=now).execution_options(synchronize_session=False))
    for outbox_id in due:
        dispatch(deliver, outbox_id)
    db.session.commit()
    if stuck:
        log.warning("relay freed %d outbox rows stuck in sending", stuck)
    return len(due)
