"""Replies that act: one service function per kind of inbound event, shared by the real webhooks and the
simulator page (a simulated reply takes exactly this path).

Each function: claims the provider's message id (a replay acts once), matches the sender to directory
contacts, reads the reply with the POS vocabulary, applies the change through the referral service layer
(the same `apply_transition` the API and the web use), audits, commits, and returns an `Answer` that the
edge turns into TwiML, a Telegram callback answer, or a page. It never raises on provider input.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from adapters.base import ButtonPress, InboundText, StatusUpdate
from adapters.email_links import LinkError, read_decision_token
from directory.models import Contact, ContactChannel, Organisation, Service
from directory.phones import InvalidPhone, normalise_phone
from directory.taxonomy import SERVICE_TYPES, label
from hub.audit import Actor, record
from hub.codes import ALPHABET, new_code
from hub.extensions import db
from hub.webhooks import outgoing
from hub.webhooks.models import ProcessedInbound, TelegramLinkCode
from notifications.buttons import parse_button_data
from notifications.outbox import queue_to_address
from notifications.replies import DEFAULT_VOCABULARY, Intent, fold, parse_reply
from notifications.templates import MessageContext, MessageKind, render

log = logging.getLogger(__name__)

LINK_CODE_LENGTH = 8
LINK_CODE_TTL = timedelta(hours=24)
# POS reply intent codes -> parser intents (the POS says "seen" where the parser says "acknowledge").
_POS_INTENTS = {"accept": Intent.ACCEPT, "decline": Intent.DECLINE, "seen": Intent.ACKNOWLEDGE,
                "acknowledge": Intent.ACKNOWLEDGE, "help": Intent.HELP, "status": Intent.STATUS,
                "full": Intent.FULL, "available": Intent.AVAILABLE}
_ACTIONS = {Intent.ACCEPT: "accept", Intent.DECLINE: "decline", Intent.ACKNOWLEDGE: "acknowledge"}
_CONFIRMATIONS = {"accept": MessageKind.CONFIRM_ACCEPTED, "decline": MessageKind.CONFIRM_DECLINED,
                  "acknowledge": MessageKind.CONFIRM_ACKNOWLEDGED}

# Outcomes (also stored on the processed row, for support and tests)
ACTED, DUPLICATE, UNKNOWN_SENDER, REFUSED, INFO, IGNORED = (
    "acted", "duplicate", "unknown_sender", "refused", "info", "ignored")


@dataclass(frozen=True)
class Answer:
    """What to tell the sender. `kind` None = say nothing (a duplicate, an ignored event)."""

    outcome: str
    kind: MessageKind | None = None
    context: MessageContext = field(default_factory=MessageContext)
    locale: str = "fr"
    target_ids: tuple[int, ...] = ()

    @property
    def acted(self) -> bool:
        return self.outcome == ACTED

    def text(self, channel: str) -> str | None:
        if self.kind is None:
            return None
        return render(self.kind, channel, self.context, self.locale).text


# --- vocabulary ------------------------------------------------------------------------------------

def vocabulary() -> dict[str, Intent]:
    """The POS reply words (plus the technical /start); the built-in defaults if the POS has none."""
    try:
        from routing.store import active_pos

        pos = active_pos(record=False)
    except Exception:  # a broken POS file must not make replies fail
        log.warning("POS unreadable: replies use the default vocabulary", exc_info=True)
        return dict(DEFAULT_VOCABULARY)
    words = {word: _POS_INTENTS[intent.code] for intent in pos.replies for _, word in intent.words
             if intent.code in _POS_INTENTS}
    if not words:
        return dict(DEFAULT_VOCABULARY)
    return {**words, "START": Intent.START, "?": Intent.HELP}


# --- shared steps ----------------------------------------------------------------------------------

def _claim(channel: str, key: str, now: datetime) -> ProcessedInbound | None:
    """Insert the processed-id row as the transaction's first write: None when this id was already
    processed. (No savepoint: with pysqlite, releasing an outermost savepoint commits.) On PostgreSQL a
    concurrent duplicate waits on the unique index until the first transaction ends, then fails here."""
    row = ProcessedInbound(channel=channel, provider_message_id=str(key).replace("\x00", "")[:120],
                           received_at=now, outcome="")
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return row


def _sender_contacts(channel: str, address: str, with_services: bool = False) -> list[Contact]:
    """The contacts behind an address; `with_services` also loads their organisations' services in the same
    query (PLEIN / DISPO choose among them)."""
    address = (address or "").replace("\x00", "")[:320]
    addresses = {address.strip()}
    if channel == "sms":
        try:
            addresses.add(normalise_phone(address))
        except InvalidPhone:
            pass
    elif channel == "email":
        addresses.add(address.strip().lower())
    query = (select(Contact).join(ContactChannel, ContactChannel.contact_id == Contact.id)
             .where(ContactChannel.kind == channel, ContactChannel.address.in_(addresses))
             .order_by(Contact.id).distinct())
    if with_services:
        query = query.options(joinedload(Contact.organisation).joinedload(Organisation.services))
    return list(db.session.scalars(query).unique())


def _actor(channel: str, contact: Contact, organisation_id: int | None = None):
    from hub.referrals.service import ContactActor

    return ContactActor(label=f"{channel}:contact:{contact.id}",
                        organisation_id=organisation_id or contact.organisation_id)


def _audit(channel: str, contacts: list[Contact], action: str, subject: str, detail: dict, now) -> None:
    who = f"{channel}:contact:{contacts[0].id}" if contacts else f"{channel}:unknown"
    record(Actor(None, who), action, "inbound", subject, {"channel": channel, **detail}, at=now)


def _pending_targets(organisation_ids: set[int]):
    from hub.referrals import lifecycle
    from hub.referrals.models import ReferralTarget

    return list(db.session.scalars(
        select(ReferralTarget).where(ReferralTarget.organisation_id.in_(organisation_ids),
                                     ReferralTarget.state.in_(list(lifecycle.AWAITING_ANSWER)))
        .options(selectinload(ReferralTarget.referral))
        .order_by(ReferralTarget.acknowledge_due_at, ReferralTarget.id)))


def _codes(targets) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.referral.code for t in targets))


def _referral_by_code(code: str):
    from hub.referrals.models import Referral

    return db.session.scalar(select(Referral).where(Referral.code == code))


# --- text replies (SMS, Telegram text, simulator) -----------------------------------------------------

def handle_text(event: InboundText, now: datetime) -> Answer:
    """An SMS or a Telegram text: act on it once, commit, and say what to answer."""
    try:
        return _finish(event, _handle_text(event, now), now)
    except Exception:
        db.session.rollback()
        log.exception("inbound %s %s failed", event.channel, event.provider_message_id)
        return Answer(IGNORED, MessageKind.ERROR_UNREADABLE)


def _finish(event, answer: Answer, now: datetime) -> Answer:
    db.session.commit()
    return answer


def _handle_text(event: InboundText, now: datetime) -> Answer:
    row = _claim(event.channel, event.provider_message_id, now)
    if row is None:
        return Answer(DUPLICATE)
    reply = parse_reply(event.text, vocabulary())
    if reply.intent is Intent.START:
        answer = _link_telegram(event, reply.code, now) if event.channel == "telegram" else Answer(
            REFUSED, MessageKind.ERROR_UNREADABLE)
        row.outcome = answer.outcome
        return answer
    contacts = _sender_contacts(event.channel, event.sender,
                                with_services=reply.intent in (Intent.FULL, Intent.AVAILABLE))
    if not contacts:
        _audit(event.channel, [], "inbound.unknown_sender", event.channel, {}, now)
        row.outcome = UNKNOWN_SENDER
        answer = Answer(UNKNOWN_SENDER, MessageKind.UNKNOWN_SENDER)
        _reply_on_channel(event, answer, contacts)
        return answer
    locale = contacts[0].language if contacts[0].language in ("fr", "en") else "fr"
    answer = _dispatch_intent(event, reply, contacts, locale, now)
    # Both set together: one UPDATE of the claimed row at commit instead of one per field.
    row.contact_id, row.outcome = contacts[0].id, answer.outcome
    _reply_on_channel(event, answer, contacts)
    return answer


def _dispatch_intent(event, reply, contacts, locale, now) -> Answer:
    if reply.intent is Intent.HELP:
        return Answer(INFO, MessageKind.HELP, locale=locale)
    if reply.intent in (Intent.FULL, Intent.AVAILABLE):
        return _capacity(event.channel, contacts, reply.intent is Intent.FULL, reply.reason_text, locale, now)
    if reply.intent is Intent.STATUS:
        return _status(event.channel, contacts, reply.code, locale)
    if reply.intent in _ACTIONS:
        return _decide(event.channel, contacts, _ACTIONS[reply.intent], reply, locale, now, event.text)
    return Answer(INFO, MessageKind.ERROR_UNREADABLE, locale=locale)


def _reason_after_word(text: str) -> str | None:
    """The text after the reply word: what a decline's reason is when the "code" was not a code."""
    parts = (text or "").strip().split(None, 1)
    return parts[1].strip() if len(parts) == 2 and parts[1].strip() else None


def _decide(channel, contacts, action, reply, locale, now, text) -> Answer:
    organisation_ids = {c.organisation_id for c in contacts}
    pending = _pending_targets(organisation_ids)
    reason_number, reason_text = reply.reason_number, reply.reason_text
    code = reply.code
    if code is not None:
        referral = _referral_by_code(code)
        if referral is None:
            if action == "decline" and len(_codes(pending)) == 1:
                # "NON PAS4 ..." with one pending referral: the would-be code is the start of the reason.
                code, reason_number, reason_text = None, None, _reason_after_word(text)
            else:
                _audit(channel, contacts, "inbound.unknown_code", code, {"action": action}, now)
                return Answer(REFUSED, MessageKind.ERROR_UNKNOWN_CODE, MessageContext(code=code), locale)
        else:
            mine = [t for t in referral.targets if t.organisation_id in organisation_ids]
            if not mine:
                _audit(channel, contacts, "inbound.refused", code, {"action": action, "why": "not_addressed"},
                       now)
                return Answer(REFUSED, MessageKind.ERROR_NOT_YOURS, MessageContext(code=code), locale)
            waiting = [t for t in mine if t in pending]
            return _apply(channel, _actors(channel, contacts), referral, waiting or mine[:1], action,
                          reason_number, reason_text, locale, now)
    codes = _codes(pending)
    if not codes:
        return Answer(INFO, MessageKind.ERROR_NO_PENDING, locale=locale)
    if len(codes) > 1:
        return Answer(INFO, MessageKind.ERROR_AMBIGUOUS, MessageContext(pending_codes=codes), locale)
    referral = pending[0].referral
    return _apply(channel, _actors(channel, contacts), referral,
                  [t for t in pending if t.referral_id == referral.id], action, reason_number, reason_text, locale,
                  now)


def _reason_choices(referral, locale: str) -> tuple[str, ...]:
    return tuple(f"{r.get('number')} {r.get(locale) or r.get('fr')}"
                 for r in (referral.decision or {}).get("decline_reasons", []))


def _reason_code(referral, number: int | None) -> str | None | bool:
    """The coded reason for a number; False when the number is not one of the POS's."""
    if number is None:
        return None
    for reason in (referral.decision or {}).get("decline_reasons", []):
        if reason.get("number") == number:
            return reason.get("code")
    return False


def _actors(channel: str, contacts: list[Contact]) -> dict:
    """One actor per organisation of the sender's contacts (the first contact of each wins)."""
    return {c.organisation_id: _actor(channel, c) for c in reversed(contacts)}


def _apply(channel, actors, referral, targets, action, reason_number, reason_text, locale, now) -> Answer:
    from hub.referrals import service

    reason_code = None
    if action == "decline":
        reason_code = _reason_code(referral, reason_number)
        if reason_code is False or (reason_code is None and not reason_text):
            return Answer(INFO, MessageKind.ERROR_REASON_REQUIRED,
                          MessageContext(code=referral.code, choices=_reason_choices(referral, locale)), locale)
        if reason_code is None:
            reason_code = "other"
    else:
        reason_text = None
    acted = []
    for target in targets:
        actor = actors[target.organisation_id]
        try:
            service.apply_transition(actor, target, action, channel, now, reason_code=reason_code,
                                     reason_text=reason_text, commit=False)
        except service.ReferralError as error:
            if error.field in ("reason", "reason_text", "reason_code"):
                return Answer(INFO, MessageKind.ERROR_REASON_REQUIRED,
                              MessageContext(code=referral.code, choices=_reason_choices(referral, locale)), locale)
            if acted:
                break
            # Already answered (or not an allowed move): say where it stands, change nothing.
            return Answer(REFUSED, MessageKind.STATUS, outgoing.target_context(
                referral, target, locale, status=outgoing.state_word(target.state, locale)), locale,
                (target.id,))
        acted.append(target)
    first = acted[0]
    extra = {"reason": outgoing.decline_reason_label(referral, reason_code, locale)} if action == "decline" else {}
    if action == "acknowledge":
        extra["deadline"] = first.decide_due_at
    context = outgoing.target_context(referral, first, locale, **extra)
    return Answer(ACTED, _CONFIRMATIONS[action], context, locale, tuple(t.id for t in acted))


def _status(channel, contacts, code, locale) -> Answer:
    organisation_ids = {c.organisation_id for c in contacts}
    if code:
        referral = _referral_by_code(code)
        mine = [t for t in (referral.targets if referral else []) if t.organisation_id in organisation_ids]
        if referral is None:
            return Answer(INFO, MessageKind.ERROR_UNKNOWN_CODE, MessageContext(code=code), locale)
        if not mine:
            return Answer(REFUSED, MessageKind.ERROR_NOT_YOURS, MessageContext(code=code), locale)
        target = mine[0]
        return Answer(INFO, MessageKind.STATUS, outgoing.target_context(
            referral, target, locale, status=outgoing.state_word(target.state, locale)), locale)
    codes = _codes(_pending_targets(organisation_ids))
    if not codes:
        return Answer(INFO, MessageKind.ERROR_NO_PENDING, locale=locale)
    return Answer(INFO, MessageKind.PENDING_LIST, MessageContext(pending_codes=codes), locale)


# --- capacity: PLEIN / DISPO [service] ----------------------------------------------------------------

def _service_keywords(service: Service) -> set[str]:
    words = {fold(service.type_code), fold(service.name)}
    words |= {fold(label(SERVICE_TYPES, service.type_code, loc)) for loc in ("fr", "en")}
    return words


def _choose_service(contacts, text: str | None) -> tuple[Service | None, tuple[str, ...]]:
    # The organisations' open services (loaded with the contacts, see _sender_contacts), by id.
    open_services = {s.id: s for c in contacts for s in c.organisation.services if s.status in ("active", "full")}
    services = [open_services[i] for i in sorted(open_services)]
    choices = tuple(dict.fromkeys(s.type_code for s in services))
    if text:
        wanted = fold(text.strip())
        exact = [s for s in services if wanted in (fold(s.type_code), fold(s.name))]
        partial = exact or [s for s in services if any(wanted in word for word in _service_keywords(s))]
        if len(partial) == 1:
            return partial[0], choices
        return None, choices
    own = [s for s in services if s.id in {c.service_id for c in contacts if c.service_id}]
    if len(own) == 1:
        return own[0], choices
    if len(services) == 1:
        return services[0], choices
    return None, choices


def _capacity(channel, contacts, full: bool, text: str | None, locale: str, now) -> Answer:
    from directory.editing import set_capacity

    service, choices = _choose_service(contacts, text)
    if service is None:
        if not choices:
            return Answer(INFO, MessageKind.ERROR_UNREADABLE, locale=locale)
        return Answer(INFO, MessageKind.ERROR_WHICH_SERVICE, MessageContext(choices=choices), locale)
    contact = next((c for c in contacts if c.organisation_id == service.organisation_id), contacts[0])
    set_capacity(db.session, service, Actor(None, f"{channel}:contact:{contact.id}"), full=full, now=now)
    context = MessageContext(organisation=outgoing.organisation_label(service.organisation),
                             service=label(SERVICE_TYPES, service.type_code, locale))
    return Answer(ACTED, MessageKind.CAPACITY_FULL if full else MessageKind.CAPACITY_AVAILABLE, context, locale)


# --- Telegram ---------------------------------------------------------------------------------------

def new_link_code(contact: Contact, user, now: datetime) -> TelegramLinkCode:
    """A one-time code (hub.codes alphabet, 8 characters, 24 h) that links a Telegram chat to `contact`."""
    for _ in range(20):
        code = new_code(LINK_CODE_LENGTH)
        if not db.session.scalar(select(TelegramLinkCode.id).where(TelegramLinkCode.code == code)):
            break
    link = TelegramLinkCode(code=code, contact_id=contact.id, created_by_id=getattr(user, "id", None),
                            created_at=now, expires_at=now + LINK_CODE_TTL)
    db.session.add(link)
    record(Actor.user(user) if user is not None else Actor.system("telegram"), "telegram.link_code",
           "contact", contact.id, {"expires_at": link.expires_at.isoformat()}, at=now)
    return link


def _link_telegram(event: InboundText, code: str | None, now: datetime) -> Answer:
    link = None
    if code and all(c in ALPHABET for c in code):
        link = db.session.scalar(select(TelegramLinkCode).where(TelegramLinkCode.code == code).with_for_update())
    if link is None or link.used_at is not None or link.expires_at <= now:
        _audit("telegram", [], "telegram.link_refused", "telegram", {}, now)
        answer = Answer(REFUSED, MessageKind.ERROR_LINK_CODE)
        _reply_on_channel(event, answer, [])
        return answer
    contact = db.session.get(Contact, link.contact_id)
    link.used_at = now
    chat = str(event.sender)
    if not any(c.kind == "telegram" and c.address == chat for c in contact.channels):
        position = max((c.position for c in contact.channels), default=-1) + 1
        contact.channels.append(ContactChannel(position=position, kind="telegram", address=chat))
    db.session.flush()
    _audit("telegram", [contact], "telegram.linked", str(contact.id), {"contact": contact.id}, now)
    locale = contact.language if contact.language in ("fr", "en") else "fr"
    answer = Answer(ACTED, MessageKind.TELEGRAM_LINKED,
                    MessageContext(organisation=outgoing.organisation_label(contact.organisation)), locale)
    _reply_on_channel(event, answer, [contact])
    return answer


def _reply_on_channel(event, answer: Answer, contacts: list[Contact]) -> None:
    """Telegram texts are answered by a message (the outbox, in this transaction); SMS by TwiML at the edge."""
    if event.channel != "telegram" or answer.kind is None or isinstance(event, ButtonPress):
        return
    demo = any(c.demo for c in contacts)
    queue_to_address("telegram", event.sender, answer.kind, answer.context, locale=answer.locale, demo=demo,
                     target_id=answer.target_ids[0] if answer.target_ids else None)


def handle_button(event: ButtonPress, now: datetime) -> Answer:
    """A Telegram inline button (Accepter / Refuser / Vu): act once, then answer the callback and show the
    outcome in the message (after commit, by a job; in the simulator for demo contacts)."""
    try:
        answer, contacts = _handle_button(event, now)
        if answer.kind is not None:
            _answer_button(event, answer, contacts)
        db.session.commit()
        return answer
    except Exception:
        db.session.rollback()
        log.exception("inbound button %s failed", event.provider_message_id)
        return Answer(IGNORED, MessageKind.ERROR_UNREADABLE)


def _handle_button(event: ButtonPress, now: datetime) -> tuple[Answer, list[Contact]]:
    from hub.referrals.models import ReferralTarget

    row = _claim(event.channel, event.provider_message_id, now)
    if row is None:
        return Answer(DUPLICATE), []
    contacts = _sender_contacts(event.channel, event.sender)
    if not contacts:
        _audit(event.channel, [], "inbound.unknown_sender", event.channel, {}, now)
        row.outcome = UNKNOWN_SENDER
        return Answer(UNKNOWN_SENDER, MessageKind.UNKNOWN_SENDER), []
    row.contact_id = contacts[0].id
    locale = contacts[0].language if contacts[0].language in ("fr", "en") else "fr"
    parsed = parse_button_data(event.data)
    target = None
    if parsed is not None and parsed[2].isdigit():
        target = db.session.get(ReferralTarget, int(parsed[2]))
    if parsed is None or target is None or target.referral.code != parsed[1]:
        row.outcome = REFUSED
        return Answer(REFUSED, MessageKind.ERROR_UNREADABLE, locale=locale), contacts
    intent, code, _ = parsed
    organisation_ids = {c.organisation_id for c in contacts}
    if target.organisation_id not in organisation_ids:
        _audit(event.channel, contacts, "inbound.refused", code, {"action": _ACTIONS[intent],
                                                                  "why": "not_addressed"}, now)
        row.outcome = REFUSED
        return Answer(REFUSED, MessageKind.ERROR_NOT_YOURS, MessageContext(code=code), locale), contacts
    answer = _apply(event.channel, _actors(event.channel, contacts), target.referral, [target], _ACTIONS[intent],
                    None, None, locale, now)
    row.outcome = answer.outcome
    return answer, contacts


def _answer_button(event: ButtonPress, answer: Answer, contacts: list[Contact]) -> None:
    text = answer.text("telegram")
    if any(c.demo for c in contacts) or not contacts or event.callback_id.startswith("sim-"):
        if contacts:  # the simulator shows the outcome as a message in the conversation
            queue_to_address("telegram", event.sender, answer.kind, answer.context, locale=answer.locale,
                             demo=True)
        return
    from hub.dispatch import dispatch

    dispatch(answer_telegram_button, event.callback_id, event.sender, event.message_id, text, answer.acted)


def answer_telegram_button(callback_id: str, chat_id: str, message_id: str | None, text: str,
                           edit: bool) -> None:
    """Job, after commit: stop the button's spinner with a short toast, then replace the message with the
    outcome (which removes its buttons)."""
    from adapters.registry import adapter_for
    from adapters.telegram import TelegramAdapter

    adapter = adapter_for("telegram", False, current_app.config["CHANNELS"])
    if not isinstance(adapter, TelegramAdapter):
        return
    toast = text if len(text) <= 200 else text[:197] + "..."
    adapter.answer_button(ButtonPress("telegram", chat_id, "", "", callback_id, message_id, None), toast)
    if edit and message_id:
        adapter.show_outcome(chat_id, message_id, text)


# --- e-mail decision links ------------------------------------------------------------------------

@dataclass(frozen=True)
class EmailDecision:
    """What the confirmation page shows: the link's action and the referral's message-safe context."""

    action: str
    target_id: int
    state: str
    context: MessageContext
    reasons: tuple[dict, ...]
    nonce: str


def read_email_link(token: str, now: datetime) -> EmailDecision:
    """Verify a link (signature, expiry, not used yet) without acting: for the GET confirmation page."""
    from hub.referrals.models import ReferralTarget

    max_age = timedelta(hours=current_app.config["CHANNELS"].email_link_max_age_hours)
    decided = read_decision_token(current_app.config["SECRET_KEY"], token, max_age=max_age, now=now)
    target_id = int(decided.target_id) if str(decided.target_id).isdigit() else None
    target = db.session.get(ReferralTarget, target_id) if target_id is not None else None
    if target is None:
        raise LinkError("Ce lien n'est pas valide. / This link is not valid.")
    used = db.session.scalar(select(ProcessedInbound.id).where(
        ProcessedInbound.channel == "email", ProcessedInbound.provider_message_id == f"nonce:{decided.nonce}"))
    if used:
        raise LinkError("Ce lien a déjà servi. / This link was already used.")
    referral = target.referral
    return EmailDecision(decided.action, target.id, target.state, outgoing.target_context(referral, target, "fr"),
                         tuple((referral.decision or {}).get("decline_reasons", [])), decided.nonce)


def handle_email_decision(token: str, now: datetime, *, reason_number: int | None = None,
                          reason_text: str | None = None) -> Answer:
    """The confirmation page's POST: act once per link (the nonce is the de-duplication key)."""
    from hub.referrals import service
    from hub.referrals.models import ReferralTarget

    try:
        decision = read_email_link(token, now)
    except LinkError:
        db.session.rollback()
        return Answer(REFUSED)
    try:
        if _claim("email", f"nonce:{decision.nonce}", now) is None:
            db.session.rollback()
            return Answer(DUPLICATE)
        target = db.session.get(ReferralTarget, decision.target_id)
        # The signed link is the authority: it was sent to a contact of the addressed organisation only.
        actors = {target.organisation_id: service.ContactActor(label="email:link",
                                                               organisation_id=target.organisation_id)}
        answer = _apply("email", actors, target.referral, [target], decision.action, reason_number, reason_text,
                        "fr", now)
        if answer.acted:
            db.session.commit()  # the nonce row commits with the change: the link is spent
        else:
            db.session.rollback()  # nothing changed (a reason missing, already answered): the link stays usable
        return answer
    except Exception:
        db.session.rollback()
        log.exception("e-mail decision failed")
        return Answer(IGNORED)


# --- status callbacks -----------------------------------------------------------------------------

def handle_status(update: StatusUpdate) -> str:
    """A provider's delivery receipt; a delivered NEW_REFERRAL moves its target sent -> delivered in the
    same transaction."""
    from notifications.delivery import record_status

    try:
        return record_status(update, on_delivered=outgoing.mark_delivered)
    except Exception:
        db.session.rollback()
        log.exception("status callback %s failed", update.provider_message_id)
        return "error"

