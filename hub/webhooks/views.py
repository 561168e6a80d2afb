"""Provider webhooks: Twilio inbound SMS and delivery status, Telegram updates.

Each view: verify the request came from the provider (else 403, nothing read), parse it into neutral
events, call one service function per event, answer the way the provider expects. CSRF-exempt (the
blueprint is in hub.auth.access.CSRF_EXEMPT_BLUEPRINTS): the signature is the authentication.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from adapters.base import ButtonPress, InboundRequest, InboundText, StatusUpdate
from adapters.registry import adapter_for
from adapters.settings import TELEGRAM_WEBHOOK_PATH, TWILIO_SMS_WEBHOOK_PATH, TWILIO_STATUS_WEBHOOK_PATH
from adapters.twilio_sms import twiml_reply
from hub.timeutil import utcnow
from hub.webhooks import inbound

bp = Blueprint("webhooks", __name__)


def _verified(channel: str):
    """(adapter, request) when the channel is configured and the request is provably the provider's."""
    settings = current_app.config["CHANNELS"]
    if not settings.configured(channel):
        return None, None
    adapter = adapter_for(channel, False, settings)
    incoming = InboundRequest.from_flask(request)
    if not adapter.verify(incoming):
        return None, None
    return adapter, incoming


def _forbidden() -> Response:
    return Response("Forbidden\n", status=403, mimetype="text/plain")


@bp.post(TWILIO_SMS_WEBHOOK_PATH)
def twilio_sms():
    adapter, incoming = _verified("sms")
    if adapter is None:
        return _forbidden()
    now = utcnow()
    answers = [inbound.handle_text(event, now) for event in adapter.parse(incoming, now=now)
               if isinstance(event, InboundText)]
    text = answers[0].text("sms") if answers else None
    return Response(twiml_reply(text), mimetype="application/xml")


@bp.post(TWILIO_STATUS_WEBHOOK_PATH)
def twilio_status():
    adapter, incoming = _verified("sms")
    if adapter is None:
        return _forbidden()
    for event in adapter.parse(incoming, now=utcnow()):
        if isinstance(event, StatusUpdate):
            inbound.handle_status(event)
    return Response(status=204)


@bp.post(TELEGRAM_WEBHOOK_PATH)
def telegram():
    adapter, incoming = _verified("telegram")
    if adapter is None:
        return _forbidden()
    now = utcnow()
    for event in adapter.parse(incoming, now=now):
        if isinstance(event, ButtonPress):
            inbound.handle_button(event, now)
        elif isinstance(event, InboundText):
            inbound.handle_text(event, now)
    # Always 200 once verified: Telegram re-sends on errors, and the update id is already recorded.
    return Response("{}", mimetype="application/json")
