"""Rendering a message for one channel and language from a `MessageContext`.

`MessageContext` is the whole vocabulary of an outgoing message, and it has no child field at all: a
template cannot name a child because there is nothing to name (ARCHITECTURE.md principle 7). Build it
with `MessageContext.from_referral(...)`, which reads only the whitelisted attributes of a referral.
"""

from __future__ import annotations

import html
import string
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from adapters.base import Button, OutboundMessage
from notifications.buttons import decision_buttons
from notifications.message_texts import DEADLINE_PART, LINKS, MONTHS_EN, REASON_PART, TEXTS
from notifications.sms_encoding import SmsCost, sms_cost, to_gsm7

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
DISPLAY_TIMEZONE = "Africa/Bamako"


class MessageKind(StrEnum):
    NEW_REFERRAL = "new_referral"
    REMINDER = "reminder"
    ESCALATION_BACKUP = "escalation_backup"
    ESCALATION_HEAD = "escalation_head"
    ESCALATION_COORDINATOR = "escalation_coordinator"
    REROUTED = "rerouted"
    ACCEPTED_NOTICE = "accepted_notice"
    DECLINED_NOTICE = "declined_notice"
    CONFIRM_ACCEPTED = "confirm_accepted"
    CONFIRM_DECLINED = "confirm_declined"
    CONFIRM_ACKNOWLEDGED = "confirm_acknowledged"
    STATUS = "status"
    PENDING_LIST = "pending_list"
    HELP = "help"
    ERROR_UNKNOWN_CODE = "error_unknown_code"
    ERROR_NOT_YOURS = "error_not_yours"
    ERROR_AMBIGUOUS = "error_ambiguous"
    ERROR_NO_PENDING = "error_no_pending"
    ERROR_UNREADABLE = "error_unreadable"
    UNKNOWN_SENDER = "unknown_sender"
    CAPACITY_FULL = "capacity_full"
    CAPACITY_AVAILABLE = "capacity_available"
    TELEGRAM_LINKED = "telegram_linked"
    CANCELLED_NOTICE = "cancelled_notice"
    ERROR_REASON_REQUIRED = "error_reason_required"
    ERROR_WHICH_SERVICE = "error_which_service"
    ERROR_LINK_CODE = "error_link_code"
    # Coordination (hub.coordination): action points of a meeting, and its minutes.
    ACTION_POINT_DUE = "action_point_due"
    ACTION_POINT_OVERDUE = "action_point_overdue"
    MEETING_MINUTES = "meeting_minutes"
    # The escalation watchdog (notifications.watchdog): the sweep is not running.
    ESCALATIONS_LATE = "escalations_late"


# Messages that ask a provider to decide: Telegram adds the buttons, e-mail the signed links.
DECISION_KINDS = frozenset({MessageKind.NEW_REFERRAL, MessageKind.REMINDER, MessageKind.ESCALATION_BACKUP,
                            MessageKind.ESCALATION_HEAD})

# The only referral attributes a message may use; `from_referral` reads these and nothing else.
REFERRAL_FIELDS = {
    "code": "code",
    "service": "service_label",
    "urgency": "urgency_label",
    "commune": "commune",
    "deadline": "deadline",
    "organisation": "organisation_name",
}


@dataclass(frozen=True)
class MessageContext:
    """Everything a message may say. Deliberately no child name, age, sex, story or address."""

    code: str = ""
    service: str = ""
    urgency: str = ""
    commune: str = ""
    deadline: datetime | None = None  # timezone-aware; shown in Africa/Bamako time
    organisation: str = ""  # the provider addressed (or that answered, or re-routed to)
    reason: str | None = None  # a decline reason *label* from the POS list, never free text
    status: str | None = None  # a status label, for STATUT
    pending_codes: tuple[str, ...] = ()  # for "which one?" answers
    choices: tuple[str, ...] = ()  # POS decline reasons ("1 Plus de place"), service keywords: labels only
    target_ref: int | str | None = None  # for button callback data
    accept_url: str | None = None
    decline_url: str | None = None
    view_url: str | None = None
    timezone: str = DISPLAY_TIMEZONE

    @classmethod
    def from_referral(cls, referral, **extra) -> MessageContext:
        """Read only the whitelisted attributes (REFERRAL_FIELDS) of a referral-like object."""
        values = {field: getattr(referral, attribute, None) for field, attribute in REFERRAL_FIELDS.items()}
        values = {k: v for k, v in values.items() if v is not None}
        return replace(cls(**values), **extra)


@dataclass(frozen=True)
class RenderedMessage:
    kind: MessageKind
    channel: str
    locale: str
    text: str
    subject: str | None = None
    html: str | None = None
    buttons: tuple[Button, ...] = ()

    @property
    def sms_cost(self) -> SmsCost:
        return sms_cost(self.text)

    def to_outbound(self, recipient: str, outbox_id: int | None = None) -> OutboundMessage:
        return OutboundMessage(self.channel, recipient, self.text, subject=self.subject, html=self.html,
                               buttons=self.buttons, outbox_id=outbox_id)


def format_deadline(deadline: datetime | None, locale: str, timezone: str = DISPLAY_TIMEZONE) -> str:
    if deadline is None:
        return "-"
    if deadline.tzinfo is None:
        raise ValueError("deadline must be timezone-aware")
    local = deadline.astimezone(ZoneInfo(timezone))
    if locale == "fr":
        return f"{local:%d/%m} à {local:%H}h{local:%M}"
    return f"{local.day} {MONTHS_EN[local.month - 1]} {local:%H:%M}"


def render(kind: MessageKind | str, channel: str, context: MessageContext, locale: str = DEFAULT_LOCALE,
           ) -> RenderedMessage:
    kind = MessageKind(kind)
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    texts = TEXTS[kind.value][locale]
    values = _values(context, locale)
    if channel == "sms":
        # Labels may bring ê, ç...: transliterate so that one character never doubles the SMS cost.
        return RenderedMessage(kind, channel, locale, to_gsm7(_fill(texts["sms"], values)))
    body = _fill(texts["long"], values)
    if channel == "telegram":
        buttons = ()
        if kind in DECISION_KINDS and context.target_ref is not None and context.code:
            buttons = decision_buttons(context.code, context.target_ref, locale)
        return RenderedMessage(kind, channel, locale, body, buttons=buttons)
    if channel == "email":
        subject = _fill(texts["subject"], values)
        text, html_body = _email_bodies(kind, body, context, locale)
        return RenderedMessage(kind, channel, locale, text, subject=subject, html=html_body)
    raise ValueError(f"unknown channel {channel!r}")


def _values(context: MessageContext, locale: str) -> dict[str, str]:
    deadline = format_deadline(context.deadline, locale, context.timezone)
    values = {
        "code": context.code or "",
        "service": context.service or "-",
        "urgency": context.urgency or "-",
        "commune": context.commune or "-",
        "deadline": deadline,
        "organisation": context.organisation or "-",
        "reason": context.reason or "",
        "status": context.status or "-",
        "pending_codes": ", ".join(context.pending_codes) or "-",
        "first_pending": context.pending_codes[0] if context.pending_codes else "K7Q2",
        "choices": ", ".join(context.choices) or "-",
        "first_choice": context.choices[0].split(" ")[0] if context.choices else "1",
    }
    values["deadline_part"] = DEADLINE_PART[locale].format(deadline=deadline) if context.deadline else ""
    values["reason_part"] = REASON_PART[locale].format(reason=context.reason) if context.reason else ""
    return values


def _fill(template: str, values: dict[str, str]) -> str:
    # Only the names above can be filled: a template naming anything else fails loudly in the tests.
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = names - values.keys()
    if missing:
        raise KeyError(f"template uses unknown field(s) {sorted(missing)}")
    return template.format_map(values)


def _email_bodies(kind: MessageKind, body: str, context: MessageContext, locale: str) -> tuple[str, str]:
    words = LINKS[locale]
    links: list[tuple[str, str]] = []
    if kind in DECISION_KINDS:
        links += [(words["accept"], context.accept_url), (words["decline"], context.decline_url)]
    links.append((words["view"], context.view_url))
    links = [(label, url) for label, url in links if url]
    text = body + "".join(f"\n\n{label} : {url}" if locale == "fr" else f"\n\n{label}: {url}"
                          for label, url in links)
    text += f"\n\n-- \n{words['footer']}"
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n") if line)
    anchors = "".join(f'<p><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a></p>'
                      for label, url in links)
    html_body = (f'<!doctype html><html lang="{locale}"><body>{paragraphs}{anchors}'
                 f'<hr><p><small>{html.escape(words["footer"])}</small></p></body></html>')
    return text, html_body
