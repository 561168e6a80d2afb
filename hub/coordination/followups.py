"""The periodic job that follows action points up: remind the owner organisation's focal point when an
action is due, then escalate to its head and the coordinators when it is still open ESCALATE_AFTER later.

Claims are conditional UPDATEs (`... WHERE reminded_at IS NULL`), so two runs never send twice, on SQLite
and PostgreSQL alike. Messages are written to the outbox in the claiming transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from directory.models import Contact
from hub.coordination.agenda import due_followups
from hub.coordination.models import OPEN, ActionPoint
from hub.extensions import db
from hub.heartbeat import record_run
from hub.timeutil import utcnow
from notifications.outbox import NoReachableChannel, queue_to_contact
from notifications.templates import MessageContext, MessageKind

log = logging.getLogger(__name__)

ESCALATE_AFTER = timedelta(days=2)


def _contacts(organisation_id: int | None, roles: tuple[str, ...]) -> list[Contact]:
    query = select(Contact).where(Contact.role.in_(roles))
    if organisation_id is not None:
        query = query.where(Contact.organisation_id == organisation_id)
    # Organisation-wide contacts before a service's own.
    return sorted(db.session.scalars(query), key=lambda c: (c.service_id is not None, c.id))


def _notify(action: ActionPoint, contacts: list[Contact], kind: MessageKind, public_url: str) -> int:
    item = action.item
    context = MessageContext(code=item.code, organisation=action.owner.acronym or action.owner.name,
                             deadline=action.due_at,
                             view_url=f"{public_url}/coordination/reunions/{item.meeting_id}")
    sent = 0
    for contact in contacts:
        try:
            queue_to_contact(contact, kind, context, referral_id=item.referral_id)
            sent += 1
        except NoReachableChannel:
            continue
    return sent


def _claim(action_id: int, column, now) -> bool:
    result = db.session.execute(update(ActionPoint).where(
        ActionPoint.id == action_id, ActionPoint.status == OPEN, column.is_(None)).values({column.key: now}))
    return result.rowcount == 1


def remind_due_actions(now=None) -> dict:
    """Periodic job (hub.schedule.PERIODIC_JOBS); returns what it did, for logs and tests."""
    from flask import current_app

    now = now or utcnow()
    public_url = current_app.config.get("PUBLIC_URL", "")
    rows = db.session.execute(select(ActionPoint.id, ActionPoint.due_at, ActionPoint.reminded_at,
                                     ActionPoint.escalated_at)
                              .where(ActionPoint.status == OPEN, ActionPoint.due_at <= now)).all()
    remind, escalate = due_followups(rows, now, ESCALATE_AFTER)
    done = {"reminded": 0, "escalated": 0}
    for action_id in remind:
        if _claim(action_id, ActionPoint.reminded_at, now):
            action = db.session.get(ActionPoint, action_id)
            if not _notify(action, _contacts(action.owner_organisation_id, ("focal_point", "backup")),
                           MessageKind.ACTION_POINT_DUE, public_url):
                action.last_error = "no reachable focal point"
            done["reminded"] += 1
        db.session.commit()
    for action_id in escalate:
        if _claim(action_id, ActionPoint.escalated_at, now):
            action = db.session.get(ActionPoint, action_id)
            contacts = _contacts(action.owner_organisation_id, ("head",)) + _contacts(None, ("coordinator",))
            if not _notify(action, contacts, MessageKind.ACTION_POINT_OVERDUE, public_url):
                action.last_error = "no reachable head or coordinator"
            done["escalated"] += 1
        db.session.commit()
    record_run("coordination.followups")
    db.session.commit()
    return done
