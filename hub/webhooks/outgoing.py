"""The messages a referral change causes, written as outbox rows in the transaction of that change.

Called from `hub.referrals.events` (inside the transaction that creates targets or moves one). Each
function only adds rows to the session (delivery is dispatched after commit by the outbox) and reads no
identifying field of the child: what a message may say is `MessageContext`, which has no child field.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from adapters.email_links import decision_url, make_decision_token
from directory.models import Contact, Place
from directory.places import quartier_to_commune
from directory.taxonomy import SERVICE_TYPES, label
from hub.extensions import db
from notifications.outbox import NoReachableChannel, queue_to_address, queue_to_contact
from notifications.templates import MessageContext, MessageKind

log = logging.getLogger(__name__)

# Used when the referral's POS cannot be read back (it always can in practice: its version row exists).
_RISK_FALLBACK = {"urgence": "Urgence", "eleve": "Élevé", "moyen": "Moyen", "faible": "Faible"}
STATE_WORDS = {
    "fr": {"sent": "envoyée", "delivered": "reçue", "acknowledged": "vue, réponse attendue",
           "accepted": "acceptée", "declined": "refusée", "in_service": "prise en charge en cours",
           "completed": "terminée", "failed": "échec", "cancelled": "annulée", "expired": "expirée",
           "rerouted": "réorientée"},
    "en": {"sent": "sent", "delivered": "received", "acknowledged": "seen, answer expected",
           "accepted": "accepted", "declined": "declined", "in_service": "in service", "completed": "completed",
           "failed": "failed", "cancelled": "cancelled", "expired": "expired", "rerouted": "re-routed"},
}


def public_url() -> str:
    channels = current_app.config.get("CHANNELS")
    if channels is not None:
        return channels.public_url
    return current_app.config.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")


def urgency_label(referral) -> str:
    risk = (referral.decision or {}).get("risk") or getattr(referral.child, "risk_level", None) or ""
    try:
        from routing.store import pos_for_hash

        pos = pos_for_hash(referral.pos_hash)
        if pos is not None and risk in pos.risk_levels:
            return pos.risk_levels[risk].label
    except Exception:  # a message must still go out if the POS cannot be read back
        log.warning("POS %s unreadable for the urgency label", referral.pos_hash, exc_info=True)
    return _RISK_FALLBACK.get(risk, risk)


def commune_of(referral) -> str:
    """The commune of the child's quartier (a routing fact, never identifying on its own)."""
    quartier = getattr(referral.child, "quartier", None)
    if not quartier:
        return ""
    place = db.session.scalar(select(Place).where(Place.kind == "quartier", Place.name == quartier))
    if place is not None and place.commune is not None:
        return place.commune.name
    if place is None and db.session.scalar(select(Place.id).where(Place.kind == "commune",
                                                                  Place.name == quartier)):
        return quartier
    return quartier_to_commune().get(quartier, "")


def organisation_label(organisation) -> str:
    return organisation.acronym or organisation.name if organisation is not None else ""


def decline_reason_label(referral, reason_code: str | None, locale: str = "fr") -> str | None:
    """The POS label of a coded decline reason (never the free text, which may name the child)."""
    if not reason_code:
        return None
    for reason in (referral.decision or {}).get("decline_reasons", []):
        if reason.get("code") == reason_code:
            return reason.get(locale) or reason.get("fr") or reason_code
    return reason_code


def target_context(referral, target, locale: str = "fr", *, with_links: bool = False, **extra) -> MessageContext:
    values = dict(
        code=referral.code,
        service=label(SERVICE_TYPES, target.service_type, locale),
        urgency=urgency_label(referral),
        commune=commune_of(referral),
        deadline=target.acknowledge_due_at,
        organisation=organisation_label(target.organisation),
        target_ref=target.id,
        view_url=f"{public_url()}/references/{referral.code}",
    )
    if with_links:
        secret = current_app.config["SECRET_KEY"]
        accept, _ = make_decision_token(secret, target.id, "accept")
        decline, _ = make_decision_token(secret, target.id, "decline")
        values.update(accept_url=decision_url(public_url(), accept), decline_url=decision_url(public_url(), decline))
    values.update(extra)
    return MessageContext(**values)


def _contacts_in_order(target) -> list[Contact]:
    ids = [int(i) for i in (target.contact_order or []) if str(i).isdigit()]
    contacts = {c.id: c for c in db.session.scalars(select(Contact).where(Contact.id.in_(ids)))} if ids else {}
    return [contacts[i] for i in ids if i in contacts]


def queue_to_first_contact(referral, target, kind: MessageKind, **extra) -> bool:
    """Write `kind` to the target's first reachable contact (contact_order); False when nobody is."""
    for contact in _contacts_in_order(target):
        context = target_context(referral, target, contact.language, with_links=True, **extra)
        try:
            queue_to_contact(contact, kind, context, referral_id=referral.id, target_id=target.id)
        except NoReachableChannel:
            continue
        return True
    log.warning("target %s: no contact with a healthy channel; escalation will have to reach someone",
                target.id)
    return False


def new_targets(referral, targets) -> None:
    for target in targets:
        queue_to_first_contact(referral, target, MessageKind.NEW_REFERRAL)


def _is_demo_address(address: str) -> bool:
    return address.lower().endswith(".invalid")


def tell_caseworker(referral, target, kind: MessageKind, reason_code: str | None = None) -> None:
    """ACCEPTED_NOTICE / DECLINED_NOTICE to the user who created the referral, at their e-mail."""
    user = referral.created_by
    if user is None or not user.email or not user.active:
        return
    context = target_context(referral, target, "fr", reason=decline_reason_label(referral, reason_code, "fr"))
    queue_to_address("email", user.email, kind, context, locale="fr", user_id=user.id,
                     demo=_is_demo_address(user.email), referral_id=referral.id, target_id=target.id)


def transition(target, moved) -> None:
    """The messages of one transition; provider confirmations go back through the inbound channel itself."""
    referral = target.referral
    if moved.action == "accept":
        tell_caseworker(referral, target, MessageKind.ACCEPTED_NOTICE)
    elif moved.action == "decline":
        tell_caseworker(referral, target, MessageKind.DECLINED_NOTICE, moved.reason_code)
    elif moved.action == "cancel" and moved.from_state is not None:
        queue_to_first_contact(referral, target, MessageKind.CANCELLED_NOTICE)


def state_word(state: str, locale: str = "fr") -> str:
    return STATE_WORDS.get(locale, STATE_WORDS["fr"]).get(state, state)


def mark_delivered(message, now: datetime) -> None:
    """A status callback says the NEW_REFERRAL message reached the provider: target sent -> delivered."""
    if message.kind != MessageKind.NEW_REFERRAL.value or message.target_id is None:
        return
    from hub.referrals import lifecycle, service
    from hub.referrals.models import ReferralTarget

    target = db.session.get(ReferralTarget, message.target_id)
    if target is None or target.state != lifecycle.SENT:
        return
    service.apply_transition(service.SystemActor("delivery"), target, "deliver", "system", now, commit=False)


__all__ = ["new_targets", "transition", "mark_delivered", "target_context", "state_word", "decline_reason_label"]
