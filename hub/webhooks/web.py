"""Channel pages (French first): the e-mail decision confirmation page, Telegram chat linking, and the
simulator. CSRF applies here (this blueprint is not exempt): a mail scanner following a link only ever
GETs the confirmation page; the POST that acts carries the page's CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from adapters.base import InboundRequest, OutboundMessage
from adapters.email_links import LinkError
from adapters.simulator import SimulatedMessage, SimulatorAdapter, messages_for
from directory.models import Contact, Organisation
from hub.auth.access import current_actor, require_web_roles
from hub.auth.models import ADMIN, COORDINATOR, PROVIDER
from hub.extensions import db
from hub.timeutil import utcnow
from hub.webhooks import inbound
from notifications.sms_encoding import sms_cost

bp = Blueprint("channels", __name__, template_folder="templates")

ACTION_WORDS = {"accept": "Accepter", "decline": "Refuser", "acknowledge": "Accuser réception"}


# --- e-mail decision links ------------------------------------------------------------------------

@bp.get("/email/decision/<token>")
def email_decision(token):
    """The page a link opens: it shows what the click would do, and acts only on its POST."""
    try:
        decision = inbound.read_email_link(token, utcnow())
    except LinkError as error:
        return render_template("channels/email_decision.html", error=str(error)), 410
    return render_template("channels/email_decision.html", decision=decision, token=token, error=None)


@bp.post("/email/decision/<token>")
def email_decision_confirm(token):
    number = request.form.get("reason_number", type=int)
    answer = inbound.handle_email_decision(token, utcnow(), reason_number=number,
                                           reason_text=(request.form.get("reason_text") or "").strip() or None)
    if answer.outcome in (inbound.REFUSED, inbound.DUPLICATE, inbound.IGNORED) and answer.kind is None:
        return render_template("channels/email_decision.html",
                               error=_("Ce lien a déjà servi ou n'est plus valide.")), 410
    status = 200 if answer.acted else 422
    return render_template("channels/email_decision.html", done=answer.text("email"), acted=answer.acted,
                           token=token, error=None), status


# --- Telegram linking -----------------------------------------------------------------------------

def _linkable_contacts(actor) -> list[Contact]:
    query = select(Contact).options(selectinload(Contact.channels)).order_by(Contact.organisation_id, Contact.id)
    if actor.role == PROVIDER:
        query = query.where(Contact.organisation_id == actor.organisation_id)
    else:
        organisation_id = request.args.get("organisation", type=int) or actor.organisation_id
        query = query.where(Contact.organisation_id == organisation_id)
    return list(db.session.scalars(query))


@bp.get("/telegram/lier")
@require_web_roles(PROVIDER, ADMIN)
def telegram_link():
    return render_template("channels/telegram_link.html", contacts=_linkable_contacts(current_actor()),
                           link=None)


@bp.post("/telegram/lier/<int:contact_id>")
@require_web_roles(PROVIDER, ADMIN)
def telegram_link_code(contact_id):
    actor = current_actor()
    contact = db.session.get(Contact, contact_id)
    if contact is None or (actor.role == PROVIDER and contact.organisation_id != actor.organisation_id):
        abort(404)
    link = inbound.new_link_code(contact, actor, utcnow())
    db.session.commit()
    return render_template("channels/telegram_link.html", contacts=_linkable_contacts(actor), link=link,
                           contact=contact)


# --- the simulator --------------------------------------------------------------------------------

def _may_simulate(actor) -> bool:
    if actor is None:
        return False
    if actor.role in (COORDINATOR, ADMIN):
        return True
    # Embedded demo mode (trainings): every signed-in trainee may play the providers' part.
    return not current_app.config.get("REDIS_URL") and current_app.config.get("SIRA_ENV") != "production"


def _require_simulator():
    actor = current_actor()
    if actor is None:
        return None
    if not _may_simulate(actor):
        abort(403)
    return actor


def _segment_price() -> str | None:
    from os import environ

    return (current_app.config.get("SMS_SEGMENT_PRICE") or environ.get("SMS_SEGMENT_PRICE") or "").strip() or None


@bp.get("/simulateur")
@require_web_roles()
def simulator():
    actor = _require_simulator()
    contacts = list(db.session.scalars(
        select(Contact).where(Contact.demo.is_(True)).options(selectinload(Contact.channels))
        .join(Organisation, Organisation.id == Contact.organisation_id)
        .order_by(Organisation.acronym, Contact.id)))
    chosen = request.args.get("contact", type=int)
    contact = next((c for c in contacts if c.id == chosen), None)
    conversations = []
    if contact is not None:
        for channel in sorted(contact.channels, key=lambda c: c.position):
            messages = list(reversed(messages_for(channel.address, channel.kind, limit=100)))
            conversations.append((channel, [(m, sms_cost(m.text) if channel.kind == "sms" else None,
                                             m.provider_message_id.startswith("sim-in-")) for m in messages]))
    return render_template("channels/simulator.html", contacts=contacts, contact=contact,
                           conversations=conversations, show_costs=actor.role == ADMIN, price=_segment_price())


@bp.post("/simulateur/repondre")
@require_web_roles()
def simulator_reply():
    """Reply as a demo contact: the simulator adapter builds the same neutral event a provider would send,
    and the same inbound service function handles it."""
    _require_simulator()
    contact = db.session.get(Contact, request.form.get("contact_id", type=int) or 0)
    if contact is None or not contact.demo:
        abort(403)  # only demo contacts can be simulated
    channel = next((c for c in contact.channels if c.id == request.form.get("channel_id", type=int)), None)
    if channel is None:
        abort(404)
    form = {"sender": channel.address, "text": (request.form.get("text") or "")[:1600],
            "button": request.form.get("button") or "", "message_id": request.form.get("message_id") or ""}
    now = utcnow()
    events = SimulatorAdapter(channel.kind).parse(InboundRequest(path=request.path, form=form), now=now)
    if not events:
        flash(_("Écrivez une réponse."), "error")
        return redirect(url_for("channels.simulator", contact=contact.id))
    event = events[0]
    _record_reply(channel, event)
    if channel.kind == "telegram" and getattr(event, "callback_id", None):
        answer = inbound.handle_button(event, now)
    elif channel.kind == "email":
        abort(400)  # e-mail replies go through the links of the messages
    else:
        answer = inbound.handle_text(event, now)
    if channel.kind == "sms" and answer.kind is not None:
        # What Twilio would send back from our TwiML answer.
        SimulatorAdapter("sms").send(OutboundMessage("sms", channel.address, answer.text("sms"),
                                                     recipient_is_demo=True))
        db.session.commit()
    return redirect(url_for("channels.simulator", contact=contact.id) + f"#channel-{channel.id}")


def _record_reply(channel, event) -> None:
    """Keep the provider's own reply in the conversation (its id marks it as inbound)."""
    text = getattr(event, "text", None) or f"[{getattr(event, 'data', '')}]"
    db.session.add(SimulatedMessage(channel=channel.kind, recipient=channel.address, subject=None, text=text,
                                    buttons=[], created_at=utcnow(), outbox_id=None,
                                    provider_message_id=event.provider_message_id[:64]))
    db.session.commit()
