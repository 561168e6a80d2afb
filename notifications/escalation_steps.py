"""Applying an escalation step to a target: the messages, the re-route, the meeting flag, the timeline row,
the audit entry and the next schedule — all added to the caller's transaction, never committed here.

The pure decision (which step, when the next one) is notifications.escalation; this module is the edge
that loads contacts and writes rows. Used by the sweep (notifications.sweep) and, inside the request
that moves a target, by `on_transition` (a decline re-routes at once; an acknowledgement re-schedules).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import load_only, selectinload

from directory.models import Contact, Organisation
from directory.taxonomy import SERVICE_TYPES, label
from hub.audit import Actor, record
from hub.auth.models import COORDINATOR as COORDINATOR_ROLE
from hub.auth.models import User
from hub.extensions import db
from hub.referrals import lifecycle
from hub.referrals.models import Child, ReferralTarget, TargetTransition, new_step_token
from notifications import escalation
from notifications.escalation import Plan, Situation
from notifications.escalation_records import NO_ANSWER, NO_PROVIDER, MeetingFlag
from notifications.outbox import FAILED, NoReachableChannel, OutboxMessage, queue_to_address, queue_to_contact
from notifications.templates import MessageContext, MessageKind
from routing import ReferralFacts, next_provider, snapshot_deadline

log = logging.getLogger(__name__)

SWEEP_LABEL = "sweep"
AUDIT_ACTOR = Actor.system(SWEEP_LABEL)
TIMELINE_ACTION = "escalate"          # a step that changes no state, shown in the target's timeline

_KIND_OF = {
    escalation.REMINDER: MessageKind.REMINDER,
    escalation.BACKUP_CONTACT: MessageKind.ESCALATION_BACKUP,
    escalation.HEAD_OF_ORGANISATION: MessageKind.ESCALATION_HEAD,
}


@dataclass
class Applied:
    """What one step did, for the audit entry, the CLI and the tests."""

    target_id: int
    referral_code: str
    step_index: int | None               # 1-based, as the POS numbers its steps
    action: str
    messages: list[OutboxMessage] = field(default_factory=list)   # ids once flushed
    other_message_ids: list[int] = field(default_factory=list)      # written by other modules (re-route)
    new_target_id: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def message_ids(self) -> list[int]:
        return [m.id for m in self.messages] + self.other_message_ids

    def as_detail(self) -> dict:
        detail = {"referral": self.referral_code, "step": self.step_index, "messages": self.message_ids}
        if self.new_target_id is not None:
            detail["new_target"] = self.new_target_id
        if self.notes:
            detail["notes"] = self.notes
        return detail


# --- a batch's reads, done once (the sweep applies hundreds of steps per transaction) -------------------

_PREFETCH = "escalation_prefetch"


def prefetch(targets: list[ReferralTarget]) -> None:
    """Load in a few queries what the steps of these targets will read: their contacts with channels (kept
    in the session's identity map) and the status of the last message to each target's own contact."""
    contact_ids = {int(i) for t in targets for i in (t.contact_order or []) if str(i).isdigit()}
    # Held here: the identity map keeps objects only while something references them.
    contacts = {c.id: c for c in db.session.scalars(select(Contact).where(Contact.id.in_(contact_ids))
                                                   .options(selectinload(Contact.channels)))} if contact_ids else {}
    last_status: dict[tuple[int, int], str] = {}
    target_ids = [t.id for t in targets]
    if target_ids:
        rows = db.session.execute(select(OutboxMessage.target_id, OutboxMessage.contact_id, OutboxMessage.status)
                                  .where(OutboxMessage.target_id.in_(target_ids)).order_by(OutboxMessage.id))
        last_status = {(target_id, contact_id): status for target_id, contact_id, status in rows}
    db.session.info[_PREFETCH] = {"contacts": contacts, "last_status": last_status, "communes": {}}


def forget_prefetch() -> None:
    db.session.info.pop(_PREFETCH, None)


def _prefetched() -> dict | None:
    return db.session.info.get(_PREFETCH)


# --- reading a target's situation ---------------------------------------------------------------------

def _last_message_failed(target: ReferralTarget) -> bool:
    own = _own_contact_id(target)
    if own is None:
        return False
    cached = _prefetched()
    if cached is not None:
        return cached["last_status"].get((target.id, own)) == FAILED
    status = db.session.scalar(select(OutboxMessage.status).where(
        OutboxMessage.target_id == target.id, OutboxMessage.contact_id == own,
    ).order_by(OutboxMessage.id.desc()).limit(1))
    return status == FAILED


def situation_of(target: ReferralTarget) -> Situation:
    steps = escalation.steps_of(target.escalation or {})
    next_is_reminder = target.escalation_step < len(steps) and \
        steps[target.escalation_step]["action"] == escalation.REMINDER
    return Situation(
        state=target.state, step_index=target.escalation_step, next_action_at=target.next_action_at,
        decide_due_at=target.decide_due_at,
        # Only a reminder cares, and it is worth one query only then.
        last_message_failed=next_is_reminder and _last_message_failed(target),
    )


# --- who to reach ------------------------------------------------------------------------------------

def _own_contact_id(target: ReferralTarget) -> int | None:
    ids = [int(i) for i in (target.contact_order or []) if str(i).isdigit()]
    return ids[0] if ids else None


def _contacts_in_order(target: ReferralTarget) -> list[Contact]:
    ids = [int(i) for i in (target.contact_order or []) if str(i).isdigit()]
    if not ids:
        return []
    cached = _prefetched()
    if cached is not None and all(i in cached["contacts"] for i in ids):
        return [cached["contacts"][i] for i in ids]
    found = {c.id: c for c in db.session.scalars(select(Contact).where(Contact.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _backup_contact(target: ReferralTarget) -> Contact | None:
    contacts = _contacts_in_order(target)
    backups = [c for c in contacts if c.role == "backup"]
    if backups:
        return backups[0]
    return contacts[1] if len(contacts) > 1 else None   # no declared backup: the next contact in line


def _head_of_organisation(target: ReferralTarget) -> Contact | None:
    heads = [c for c in _contacts_in_order(target) if c.role == "head"]
    if heads:
        return heads[0]
    return db.session.scalar(select(Contact).where(
        Contact.organisation_id == target.organisation_id, Contact.role == "head").order_by(Contact.id).limit(1))


def _coordinators(policy: dict) -> list[Contact]:
    """The directory's coordinator contacts; only those of the organisation the POS names, if it names one."""
    query = select(Contact).where(Contact.role == "coordinator").order_by(Contact.id)
    named = policy.get("coordinator")
    if named:
        query = query.join(Organisation, Organisation.id == Contact.organisation_id).where(
            Organisation.acronym == named)
    return list(db.session.scalars(query))


# --- writing messages ---------------------------------------------------------------------------------

def _commune(referral) -> str:
    from hub.webhooks.outgoing import commune_of

    cached = _prefetched()
    if cached is None:
        return commune_of(referral)
    communes = cached["communes"]
    if referral.id not in communes:
        communes[referral.id] = commune_of(referral)
    return communes[referral.id]


def _context(target: ReferralTarget, locale: str, *, with_links: bool = False) -> MessageContext:
    """The same vocabulary as the channels engineer's `hub.webhooks.outgoing.target_context`, with the
    deadline that runs now, and the commune read once per referral and batch (a sweep writes hundreds)."""
    from flask import current_app

    from adapters.email_links import decision_url, make_decision_token
    from hub.webhooks.outgoing import organisation_label, public_url, urgency_label

    referral = target.referral
    base = public_url()
    values = dict(
        code=referral.code, service=label(SERVICE_TYPES, target.service_type, locale),
        urgency=(target.escalation or {}).get("risk_label") or urgency_label(referral),
        commune=_commune(referral),
        deadline=target.decide_due_at if target.state == lifecycle.ACKNOWLEDGED else target.acknowledge_due_at,
        organisation=organisation_label(target.organisation), target_ref=target.id,
        view_url=f"{base}/references/{referral.code}",
    )
    if with_links:
        secret = current_app.config["SECRET_KEY"]
        accept, _ = make_decision_token(secret, target.id, "accept")
        decline, _ = make_decision_token(secret, target.id, "decline")
        values.update(accept_url=decision_url(base, accept), decline_url=decision_url(base, decline))
    return MessageContext(**values)


def _send(contact: Contact | None, kind: MessageKind, target: ReferralTarget, applied: Applied, *,
          after_position: int | None = None) -> bool:
    if contact is None:
        applied.notes.append(f"{kind.value}: no contact")
        return False
    context = _context(target, contact.language, with_links=kind != MessageKind.ESCALATION_COORDINATOR)
    try:
        message = queue_to_contact(contact, kind, context, referral_id=target.referral_id, target_id=target.id,
                                   after_position=after_position, deferred=_prefetched() is not None)
    except NoReachableChannel:
        if after_position is None:
            applied.notes.append(f"{kind.value}: contact {contact.id} has no healthy channel")
            return False
        return _send(contact, kind, target, applied)   # no channel after the failed one: start over
    applied.messages.append(message)
    return True


def _failed_channel_position(target: ReferralTarget, contact_id: int) -> int | None:
    from directory.models import ContactChannel

    return db.session.scalar(select(ContactChannel.position).join(
        OutboxMessage, OutboxMessage.contact_channel_id == ContactChannel.id).where(
        OutboxMessage.target_id == target.id, OutboxMessage.contact_id == contact_id,
        OutboxMessage.status == FAILED).order_by(OutboxMessage.id.desc()).limit(1))


def _remind(target: ReferralTarget, step: escalation.Step, applied: Applied) -> None:
    contacts = _contacts_in_order(target)
    contact = contacts[0] if contacts else None
    after = _failed_channel_position(target, contact.id) if (contact and step.use_next_channel) else None
    _send(contact, MessageKind.REMINDER, target, applied, after_position=after)


def _alert_coordinators(target: ReferralTarget, applied: Applied) -> None:
    policy = target.escalation or {}
    contacts = _coordinators(policy)
    sent = [_send(c, MessageKind.ESCALATION_COORDINATOR, target, applied) for c in contacts]
    if any(sent):
        return
    # No reachable coordinator contact in the directory: the coordinator users' e-mail, so that the
    # promise "the coordinator is always reached" does not depend on the directory being complete.
    users = db.session.scalars(select(User).where(User.role == COORDINATOR_ROLE, User.active.is_(True))
                               .order_by(User.id)).all()
    for user in users:
        message = queue_to_address("email", user.email, MessageKind.ESCALATION_COORDINATOR,
                                   _context(target, "fr"), user_id=user.id,
                                   demo=user.email.lower().endswith(".invalid"),
                                   referral_id=target.referral_id, target_id=target.id)
        applied.messages.append(message)
    if not users:
        applied.notes.append("coordinator: nobody to reach")
        log.error("target %s: no coordinator contact or user to alert", target.id)


def _flag_meeting(target: ReferralTarget, reason: str, step_index: int | None, now: datetime) -> None:
    exists = db.session.scalar(select(MeetingFlag.id).where(MeetingFlag.target_id == target.id,
                                                            MeetingFlag.reason == reason))
    if exists is None:
        db.session.add(MeetingFlag(referral_id=target.referral_id, target_id=target.id, reason=reason,
                                   step_index=step_index, flagged_at=now))


# --- re-routing ---------------------------------------------------------------------------------------

def _routing_facts(target: ReferralTarget) -> ReferralFacts:
    from hub.referrals.service import FACT_FIELDS, routing_facts

    referral = target.referral
    # Only the routing facts: the child's identifying columns are not even loaded.
    child = db.session.scalar(select(Child).options(load_only(*(getattr(Child, f) for f in FACT_FIELDS)))
                              .where(Child.id == referral.child_id))
    declined = tuple(t.organisation_id for t in referral.targets if t.state == lifecycle.DECLINED)
    return ReferralFacts.from_dict(routing_facts(child, [target.service_type], declined))


def _pos_of(policy: dict):
    from routing.store import active_pos, pos_for_hash

    pos = pos_for_hash(policy["pos_hash"]) if policy.get("pos_hash") else None
    return pos if pos is not None else active_pos(record=False)


def reroute(target: ReferralTarget, now: datetime, applied: Applied) -> ReferralTarget | None:
    """A new target for the next eligible provider of the same need, with its own deadlines and a copy of
    the frozen policy; the old target (if still waiting) becomes `rerouted`; the caseworker is told.
    None when no eligible provider is left (the caller tells the coordinator)."""
    from hub.referrals import events, service
    from hub.referrals.routing_port import directory_view
    from hub.webhooks.outgoing import tell_caseworker

    referral = target.referral
    policy = dict(target.escalation or {})
    tried = {t.organisation_id for t in referral.targets if t.service_type == target.service_type}
    chosen = next_provider(_routing_facts(target), target.service_type, _pos_of(policy), directory_view(), now,
                           tried_organisations=tried)
    if chosen is None:
        return None
    new = ReferralTarget(
        organisation_id=chosen.organisation_id, service_id=chosen.service_id, service_type=target.service_type,
        mandatory=target.mandatory, contact_order=[c["contact_id"] for c in chosen.contacts],
        state=lifecycle.SENT,
        acknowledge_due_at=snapshot_deadline(policy, now, policy["acknowledge_within"]),
        decide_due_at=snapshot_deadline(policy, now, policy["decide_within"]),
        escalation=policy, escalation_step=0, next_action_at=escalation.first_action_at(policy, now),
        step_token=new_step_token(), created_at=now, updated_at=now)
    new.transitions.append(TargetTransition(
        action="send", from_state=None, to_state=lifecycle.SENT, at=now, actor_label=AUDIT_ACTOR.label,
        channel="system", reason_code="reroute"))
    referral.targets.append(new)
    db.session.flush()
    if target.state in lifecycle.AWAITING_ANSWER:
        service.apply_transition(service.SystemActor(SWEEP_LABEL), target, "reroute", "system", now,
                                 commit=False)
    before = _message_ids(referral.id)
    events.on_targets_created(referral, [new])          # the new provider's NEW_REFERRAL message
    tell_caseworker(referral, new, MessageKind.REROUTED)
    db.session.flush()
    applied.other_message_ids.extend(sorted(_message_ids(referral.id) - before))
    applied.new_target_id = new.id
    return new


def _message_ids(referral_id: int) -> set[int]:
    return set(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.referral_id == referral_id)))


# --- applying a plan ----------------------------------------------------------------------------------

@dataclass
class Carried:
    """A step whose messages and side effects are written; its schedule, timeline row and audit entry
    come in `record_step` (the sweep writes those for a whole batch at once, after its messages)."""

    target: ReferralTarget
    plan: Plan
    applied: Applied | None
    state_before: str


def carry_out(target: ReferralTarget, plan: Plan, now: datetime) -> Carried:
    """Send the step's messages, re-route, flag: everything `plan.step` does except its bookkeeping."""
    policy = target.escalation or {}
    step = plan.step
    state_before = target.state
    if step is None:
        return Carried(target, plan, None, state_before)
    applied = Applied(target.id, target.referral.code, step.index + 1, step.action)
    if step.action in (escalation.BACKUP_CONTACT, escalation.HEAD_OF_ORGANISATION):
        contact = _backup_contact(target) if step.action == escalation.BACKUP_CONTACT else _head_of_organisation(target)
        _send(contact, _KIND_OF[step.action], target, applied)
    elif step.action == escalation.REMINDER:
        _remind(target, step, applied)
    elif step.action == escalation.COORDINATOR:
        _alert_coordinators(target, applied)
    elif step.action == escalation.REROUTE:
        if reroute(target, now, applied) is None:
            applied.notes.append("reroute: no eligible provider left")
            plan = escalation.after_reroute_failed(policy, plan)
            step = plan.step
            _flag_meeting(target, NO_PROVIDER, step.index + 1, now)
    elif step.action == escalation.FLAG_MEETING:
        _flag_meeting(target, NO_ANSWER, step.index + 1, now)
    else:
        applied.notes.append(f"unknown action {step.action!r}: skipped")
    if step.alert_coordinator:
        _alert_coordinators(target, applied)
        applied.notes.append("coordinator alerted")
    return Carried(target, plan, applied, state_before)


def record_step(carried: Carried, now: datetime) -> Applied | None:
    """Schedule what follows, and write the step to the target's timeline and to the audit log."""
    target, plan, applied = carried.target, carried.plan, carried.applied
    target.escalation_step = plan.step_index
    if applied is None:
        target.next_action_at = plan.next_action_at
        return None
    if target.state == carried.state_before:
        # A step that moved no state still shows in the timeline (a re-route writes its own transition).
        # Added to the session, not to `target.transitions`: that would load the whole history.
        db.session.add(TargetTransition(
            target_id=target.id, action=TIMELINE_ACTION, from_state=target.state, to_state=target.state, at=now,
            actor_label=AUDIT_ACTOR.label, channel="system", reason_code=plan.step.action))
    target.next_action_at = plan.next_action_at if target.state in lifecycle.AWAITING_ANSWER else None
    target.step_token = new_step_token()     # any job scheduled for the old step is now a no-op
    target.updated_at = now
    record(AUDIT_ACTOR, f"escalation.{applied.action}", "referral_target", target.id, applied.as_detail(), at=now)
    return applied


def apply_plan(target: ReferralTarget, plan: Plan, now: datetime) -> Applied | None:
    """Carry out `plan` on a claimed target and schedule what follows. Returns None when nothing was due."""
    return record_step(carry_out(target, plan, now), now)


# --- the transition hook: called by hub.referrals.events inside the request that moves a target ----------

def on_transition(target: ReferralTarget, transition: TargetTransition) -> None:
    """A decline re-routes at once; an acknowledgement stops the reminders and waits for the decision."""
    now = transition.at
    if transition.action == "acknowledge" and target.escalation:
        index, due = escalation.after_acknowledgement(target.escalation, target.escalation_step, now)
        target.escalation_step, target.next_action_at = index, due
    elif transition.action == "decline" and target.escalation:
        applied = Applied(target.id, target.referral.code, None, escalation.REROUTE)
        if reroute(target, now, applied) is None:
            applied.notes.append("reroute: no eligible provider left")
            _alert_coordinators(target, applied)
            _flag_meeting(target, NO_PROVIDER, None, now)
        record(AUDIT_ACTOR, "escalation.reroute_after_decline", "referral_target", target.id,
               applied.as_detail(), at=now)
