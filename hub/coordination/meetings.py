"""Coordination meetings, the service layer: create, agenda, decisions, action points, minutes by e-mail.

Each function takes the actor and `now`, checks the role, audits and commits (a whole unit of work).
Messages go through the outbox in the same transaction (ARCHITECTURE.md principle 3); they carry a
referral code, an organisation and a date, never the free text of the minutes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.models import Contact, Organisation
from hub.audit import Actor, record
from hub.auth.models import ADMIN, COORDINATOR
from hub.codes import normalise_code
from hub.coordination import queries
from hub.coordination.agenda import build_agenda
from hub.coordination.flags import resolve_flags
from hub.coordination.models import (
    DONE,
    HELD,
    OPEN,
    ActionPoint,
    AgendaItem,
    CoordinationMeeting,
    MeetingParticipant,
)
from hub.extensions import db
from hub.referrals.models import Referral
from notifications.outbox import queue_to_address
from notifications.templates import MessageContext, MessageKind

COORDINATION_ROLES = (COORDINATOR, ADMIN)
ACTION_DUE_TIME = time(9, 0)  # an action due "on 25/03" is due at 09:00 local time that day


class CoordinationError(Exception):
    """A refused request; `message` is a French msgid, `field` the input at fault."""

    status = 422

    def __init__(self, message: str, field: str | None = None, **params):
        super().__init__(message)
        self.message, self.field, self.params = message, field, params


class NotFound(CoordinationError):
    status = 404


class Forbidden(CoordinationError):
    status = 403


def N_(message: str) -> str:  # marks a msgid for extraction; translated at the edge
    return message


def require_coordinator(actor) -> None:
    if actor is None or actor.role not in COORDINATION_ROLES:
        raise Forbidden(N_("Votre rôle ne permet pas cette action."))


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE") or "Africa/Bamako")


def local_to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=_tz())


# --- reading ----------------------------------------------------------------------------------------

def list_meetings(actor) -> list[CoordinationMeeting]:
    require_coordinator(actor)
    return list(db.session.scalars(select(CoordinationMeeting).order_by(CoordinationMeeting.held_at.desc())))


def get_meeting(actor, meeting_id: int) -> CoordinationMeeting:
    require_coordinator(actor)
    meeting = db.session.scalar(select(CoordinationMeeting).where(CoordinationMeeting.id == meeting_id).options(
        selectinload(CoordinationMeeting.participants).selectinload(MeetingParticipant.organisation),
        selectinload(CoordinationMeeting.participants).selectinload(MeetingParticipant.contact),
        selectinload(CoordinationMeeting.items).selectinload(AgendaItem.actions).selectinload(ActionPoint.owner)))
    if meeting is None:
        raise NotFound(N_("Réunion introuvable."))
    return meeting


def get_item(actor, meeting_id: int, item_id: int) -> AgendaItem:
    meeting = get_meeting(actor, meeting_id)
    for item in meeting.items:
        if item.id == item_id:
            return item
    raise NotFound(N_("Point introuvable."))


def previous_meeting(held_at: datetime, exclude_id: int | None = None) -> CoordinationMeeting | None:
    query = select(CoordinationMeeting).where(CoordinationMeeting.held_at < held_at)
    if exclude_id is not None:
        query = query.where(CoordinationMeeting.id != exclude_id)
    return db.session.scalar(query.order_by(CoordinationMeeting.held_at.desc()).limit(1))


def open_actions(before: datetime | None = None) -> list[ActionPoint]:
    """Open action points (due before `before`, when given): the follow-up section of the next meeting."""
    query = select(ActionPoint).where(ActionPoint.status == OPEN).options(
        selectinload(ActionPoint.owner), selectinload(ActionPoint.item).selectinload(AgendaItem.meeting))
    if before is not None:
        query = query.where(ActionPoint.due_at <= before)
    return list(db.session.scalars(query.order_by(ActionPoint.due_at)))


def directory_choices() -> tuple[list[Organisation], dict[int, list[Contact]]]:
    """Organisations and their contacts, to pick the participants from."""
    organisations = list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    contacts: dict[int, list[Contact]] = {}
    for contact in db.session.scalars(select(Contact).order_by(Contact.organisation_id, Contact.id)):
        contacts.setdefault(contact.organisation_id, []).append(contact)
    return organisations, contacts


# --- changing ---------------------------------------------------------------------------------------

def create_meeting(actor, held_at: datetime, place: str, organisation_ids: list[int], contact_ids: list[int],
                   now: datetime) -> CoordinationMeeting:
    """A meeting with its participants and its agenda: the referrals escalated or flagged since the last one."""
    require_coordinator(actor)
    place = (place or "").strip()
    if not place:
        raise CoordinationError(N_("Indiquez le lieu de la réunion."), field="place")
    contacts = list(db.session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))) if contact_ids else []
    org_ids = sorted(set(organisation_ids) | {c.organisation_id for c in contacts})
    if not org_ids:
        raise CoordinationError(N_("Choisissez au moins une organisation participante."), field="participants")
    known = set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(org_ids))))
    if known != set(org_ids):
        raise CoordinationError(N_("Organisation inconnue."), field="participants")
    previous = previous_meeting(held_at)
    meeting = CoordinationMeeting(held_at=held_at, place=place, created_by_id=actor.id, created_at=now,
                                  agenda_since=previous.held_at if previous else None)
    with_contact = {c.organisation_id for c in contacts}
    meeting.participants = [MeetingParticipant(organisation_id=c.organisation_id, contact_id=c.id) for c in contacts]
    meeting.participants += [MeetingParticipant(organisation_id=o) for o in org_ids if o not in with_contact]
    db.session.add(meeting)
    _add_agenda_items(meeting, queries.agenda_rows(db.session, meeting.agenda_since, now), now)
    db.session.flush()
    record(Actor.user(actor), "meeting.create", "coordination_meeting", meeting.id,
           {"items": [i.code for i in meeting.items], "participants": org_ids}, at=now)
    db.session.commit()
    return meeting


def _add_agenda_items(meeting: CoordinationMeeting, rows, now: datetime) -> list[AgendaItem]:
    present = {i.referral_id for i in meeting.items}
    added = []
    position = max((i.position for i in meeting.items), default=0)
    for entry in build_agenda(rows, now, present):
        position += 1
        item = AgendaItem(position=position, referral_id=entry["referral_id"], code=entry["code"],
                          facts=entry["facts"])
        meeting.items.append(item)
        added.append(item)
    return added


def refresh_agenda(actor, meeting: CoordinationMeeting, now: datetime) -> int:
    """Add the referrals escalated or flagged since the agenda was built; returns how many were added."""
    require_coordinator(actor)
    added = _add_agenda_items(meeting, queries.agenda_rows(db.session, meeting.agenda_since, now), now)
    db.session.flush()
    if added:
        record(Actor.user(actor), "meeting.agenda", "coordination_meeting", meeting.id,
               {"added": [i.code for i in added]}, at=now)
    db.session.commit()
    return len(added)


def add_referral(actor, meeting: CoordinationMeeting, code: str, now: datetime) -> AgendaItem:
    """Put one referral on the agenda by its code (codes and facts only)."""
    require_coordinator(actor)
    referral_id = db.session.scalar(select(Referral.id).where(Referral.code == normalise_code(code or "")))
    if referral_id is None:
        raise CoordinationError(N_("Référence introuvable."), field="code")
    for item in meeting.items:
        if item.referral_id == referral_id:
            return item
    added = _add_agenda_items(meeting, queries.referral_rows(db.session, referral_id), now)
    db.session.flush()
    record(Actor.user(actor), "meeting.agenda", "coordination_meeting", meeting.id,
           {"added": [i.code for i in added]}, at=now)
    db.session.commit()
    return added[0]


def record_item(actor, item: AgendaItem, discussion: str, decision: str, now: datetime) -> AgendaItem:
    require_coordinator(actor)
    item.discussion = (discussion or "").strip()
    item.decision = (decision or "").strip()
    item.decided_at = now if item.decision else None
    item.meeting.status = HELD
    if item.decision and item.referral_id is not None:
        resolve_flags(db.session, item.referral_id, now)
    record(Actor.user(actor), "meeting.decision", "agenda_item", item.id,
           {"meeting": item.meeting_id, "code": item.code}, at=now)
    db.session.commit()
    return item


def add_action(actor, item: AgendaItem, description: str, owner_organisation_id: int | None, due_on: date | None,
               now: datetime) -> ActionPoint:
    require_coordinator(actor)
    description = (description or "").strip()
    if not description:
        raise CoordinationError(N_("Décrivez l'action."), field="description")
    if owner_organisation_id is None or db.session.get(Organisation, owner_organisation_id) is None:
        raise CoordinationError(N_("Choisissez l'organisation responsable."), field="owner")
    if due_on is None:
        raise CoordinationError(N_("Indiquez l'échéance."), field="due_on")
    action = ActionPoint(description=description, owner_organisation_id=owner_organisation_id,
                         due_at=local_to_utc(due_on, ACTION_DUE_TIME), status=OPEN, created_at=now)
    item.actions.append(action)
    db.session.flush()
    record(Actor.user(actor), "meeting.action", "action_point", action.id,
           {"meeting": item.meeting_id, "code": item.code, "owner": owner_organisation_id}, at=now)
    db.session.commit()
    return action


def complete_action(actor, action_id: int, now: datetime) -> ActionPoint:
    require_coordinator(actor)
    action = db.session.get(ActionPoint, action_id)
    if action is None:
        raise NotFound(N_("Action introuvable."))
    action.status, action.done_at = DONE, now
    record(Actor.user(actor), "meeting.action_done", "action_point", action.id, {}, at=now)
    db.session.commit()
    return action


def minutes_recipients(meeting: CoordinationMeeting) -> list[tuple[Contact, str]]:
    """(contact, e-mail address): the participants' contacts with a healthy e-mail channel; an organisation
    that came without a named contact is reached through its focal point(s)."""
    contacts: list[Contact] = [p.contact for p in meeting.participants if p.contact is not None]
    bare = [p.organisation_id for p in meeting.participants if p.contact is None]
    if bare:
        contacts += list(db.session.scalars(select(Contact).where(
            Contact.organisation_id.in_(bare), Contact.role == "focal_point").order_by(Contact.id)))
    seen, result = set(), []
    for contact in contacts:
        for channel in contact.channels:
            if channel.kind == "email" and channel.healthy and contact.id not in seen:
                seen.add(contact.id)
                result.append((contact, channel.address))
                break
    return result


def send_minutes(actor, meeting: CoordinationMeeting, now: datetime) -> int:
    """One e-mail (outbox row) per participant contact: a link to the minutes, nothing identifying."""
    require_coordinator(actor)
    url = f"{current_app.config.get('PUBLIC_URL', '')}/coordination/reunions/{meeting.id}/compte-rendu"
    context = MessageContext(deadline=meeting.held_at, view_url=url)
    sent = 0
    for contact, address in minutes_recipients(meeting):
        message = queue_to_address("email", address, MessageKind.MEETING_MINUTES, context,
                                   locale=contact.language, demo=contact.demo)
        message.contact_id = contact.id
        sent += 1
    meeting.minutes_sent_at = now
    record(Actor.user(actor), "meeting.minutes_sent", "coordination_meeting", meeting.id, {"messages": sent},
           at=now)
    db.session.commit()
    return sent


def default_held_at(now: datetime) -> datetime:
    return (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
