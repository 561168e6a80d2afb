"""Every message, every channel, every language: no child data can appear; SMS stay short and GSM-7."""

import dataclasses
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from directory.taxonomy import SERVICE_TYPES
from notifications.templates import (
    DECISION_KINDS,
    LOCALES,
    MessageContext,
    MessageKind,
    format_deadline,
    render,
)

CHANNELS = ("sms", "telegram", "email")
DEADLINE = datetime(2025, 3, 12, 14, 0, tzinfo=UTC)

# A referral-like object as the referral model will look: the child's data sits next to what messages need.
CHILD_SECRETS = ("Zeynabou", "Kadiatou-Marthe", "Ouologuem", "Tinzaouaten", "2011-04-17", "chassée par son oncle",
                 "Niamana-Marché-Nord", "+22376999888", "ZEYNABOU", "zeynabou")
REFERRAL = SimpleNamespace(
    code="K7Q2", service_label="Soutien psychosocial de base", urgency_label="Élevé", commune="Commune VI",
    deadline=DEADLINE, organisation_name="Samusocial Mali",
    child=SimpleNamespace(first_name="Zeynabou", middle_name="Kadiatou-Marthe", last_name="Ouologuem",
                          birth_date="2011-04-17", origin="Tinzaouaten", phone="+22376999888"),
    child_name="Zeynabou Ouologuem", story="Zeynabou, chassée par son oncle, dort à Niamana-Marché-Nord.",
    summary="Kadiatou-Marthe Ouologuem", address="Niamana-Marché-Nord", notes="née 2011-04-17 à Tinzaouaten",
)


def full_context(**overrides):
    extra = dict(reason="Pas de place", status="en attente", pending_codes=("K7Q2", "M3P9"), target_ref=123,
                 accept_url="https://sira.example.org/email/decision/tokA",
                 decline_url="https://sira.example.org/email/decision/tokD",
                 view_url="https://sira.example.org/r/K7Q2")
    return MessageContext.from_referral(REFERRAL, **{**extra, **overrides})


def every_rendering(context):
    for kind in MessageKind:
        for channel in CHANNELS:
            for locale in LOCALES:
                yield render(kind, channel, context, locale)


def test_the_context_has_no_field_a_child_could_hide_in():
    names = {f.name for f in dataclasses.fields(MessageContext)}
    assert names.isdisjoint({"child", "name", "first_name", "last_name", "story", "age", "sex", "birth_date",
                             "address", "phone", "notes", "summary"})


def test_no_message_carries_child_data():
    context = full_context()
    for message in every_rendering(context):
        for part in (message.text, message.subject or "", message.html or "",
                     " ".join(b.label + b.data for b in message.buttons)):
            for secret in CHILD_SECRETS:
                assert secret.lower() not in part.lower(), (message.kind, message.channel, secret)


def test_every_message_renders_with_an_empty_context_too():
    for message in every_rendering(MessageContext()):
        assert message.text and "{" not in message.text and "None" not in message.text


def test_messages_say_what_the_provider_needs():
    message = render(MessageKind.NEW_REFERRAL, "sms", full_context())
    for needed in ("K7Q2", "Soutien psychosocial de base", "Élevé", "Commune VI", "12/03 à 14h00", "OUI K7Q2"):
        assert needed in message.text


def test_telegram_decision_messages_carry_buttons_and_others_do_not():
    for kind in MessageKind:
        message = render(kind, "telegram", full_context())
        assert bool(message.buttons) == (kind in DECISION_KINDS), kind
    assert render(MessageKind.NEW_REFERRAL, "telegram", full_context(target_ref=None)).buttons == ()


def test_email_decision_messages_carry_the_signed_links():
    message = render(MessageKind.NEW_REFERRAL, "email", full_context())
    assert message.subject == "Sira : nouvelle orientation K7Q2 (Élevé)"
    assert "https://sira.example.org/email/decision/tokA" in message.text
    assert 'href="https://sira.example.org/email/decision/tokD"' in message.html
    notice = render(MessageKind.ACCEPTED_NOTICE, "email", full_context())
    assert "tokA" not in notice.text and "https://sira.example.org/r/K7Q2" in notice.text


def test_html_is_escaped():
    message = render(MessageKind.ACCEPTED_NOTICE, "email", full_context(organisation="<script>x</script>"))
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html


@pytest.mark.parametrize("locale", LOCALES)
def test_sms_fit_one_gsm7_segment_with_typical_values(locale):
    for kind in MessageKind:
        cost = render(kind, "sms", full_context(), locale).sms_cost
        assert cost.encoding == "GSM-7", kind
        assert cost.segments == 1, (kind, cost)


@pytest.mark.parametrize("locale", LOCALES)
def test_sms_stay_gsm7_and_within_two_segments_with_the_longest_labels(locale):
    longest_service = max((t.fr for t in SERVICE_TYPES), key=len)  # some contain ê: transliterated
    context = full_context(service=longest_service, organisation="Cité d'accueil et d'information des "
                           "Maliens de l'extérieur", commune="Commune VI (arrondissement de Sénou)")
    for kind in MessageKind:
        cost = render(kind, "sms", context, locale).sms_cost
        assert cost.encoding == "GSM-7" and cost.segments <= 2, (kind, cost)


def test_deadlines_are_shown_in_bamako_time():
    assert format_deadline(DEADLINE, "fr") == "12/03 à 14h00"
    assert format_deadline(DEADLINE, "en") == "12 Mar 14:00"
    with pytest.raises(ValueError):
        format_deadline(datetime(2025, 3, 12, 14, 0), "fr")


def test_unknown_locale_falls_back_to_french_and_unknown_channel_fails():
    assert render(MessageKind.HELP, "sms", MessageContext(), "bm").locale == "fr"
    with pytest.raises(ValueError):
        render(MessageKind.HELP, "whatsapp", MessageContext())
