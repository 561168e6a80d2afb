"""Inbound SMS through the Twilio webhook: signed like Twilio signs, replayed, forged, garbled."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from directory.models import Service
from hub.audit import AuditEntry
from hub.extensions import db
from hub.webhooks.models import ProcessedInbound
from tests.integration.channels.conftest import outbox, post_sms, post_status, target_state


def test_sms_oui_accepts_the_target_and_tells_the_caseworker(app, client, world, referral):
    response = post_sms(client, app, referral["phone"], f"oui {referral['code'].lower()}")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "acceptée" in response.get_data(as_text=True)
    assert target_state(app, referral["target_id"]) == "accepted"
    notices = outbox(app, kind="accepted_notice")
    assert [(n.channel, n.address, n.target_id) for n in notices] == [
        ("email", "caseworker@test.sira", referral["target_id"])]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "target.accept"))
        assert entry.actor_label == f"sms:contact:{referral['contact_id']}"
        assert "+223" not in entry.actor_label and '"channel": "sms"' in entry.detail


def test_new_target_sends_new_referral_to_its_first_contact(app, referral):
    rows = outbox(app, kind="new_referral", target_id=referral["target_id"])
    assert len(rows) == 1
    row = rows[0]
    assert row.contact_id == referral["contact_id"] and row.referral_id is not None
    assert referral["code"] in row.body
    assert row.context["accept_url"].startswith("https://sira.example.org/email/decision/")
    assert "Aminata" not in row.body and "Traoré" not in row.body


def test_the_code_may_be_left_out_with_one_pending_referral(app, client, referral):
    response = post_sms(client, app, referral["phone"], "VU")
    assert "réception notée" in response.get_data(as_text=True)
    assert target_state(app, referral["target_id"]) == "acknowledged"


def test_a_decline_needs_a_reason_and_takes_a_number_or_text(app, client, referral):
    first = post_sms(client, app, referral["phone"], f"NON {referral['code']}")
    assert "motif" in first.get_data(as_text=True).lower()
    assert target_state(app, referral["target_id"]) == "sent"
    second = post_sms(client, app, referral["phone"], f"ayi {referral['code']} 1")
    assert "Plus de place" in second.get_data(as_text=True)
    assert target_state(app, referral["target_id"]) == "declined"
    assert len(outbox(app, kind="declined_notice")) == 1


def test_a_code_like_word_that_matches_nothing_is_reason_text(app, client, referral):
    post_sms(client, app, referral["phone"], "NON PAS2 de place ce soir")
    assert target_state(app, referral["target_id"]) == "declined"


def test_forged_signature_is_refused_and_changes_nothing(app, client, referral):
    response = post_sms(client, app, referral["phone"], f"OUI {referral['code']}", signature="forged=")
    assert response.status_code == 403
    assert target_state(app, referral["target_id"]) == "sent"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProcessedInbound)) == 0
    unsigned = client.post("/webhooks/twilio/sms", data={"From": referral["phone"], "Body": "OUI"})
    assert unsigned.status_code == 403


def test_a_replayed_message_sid_acts_once(app, client, referral):
    sid = f"SM{uuid.uuid4().hex}"
    first = post_sms(client, app, referral["phone"], f"OUI {referral['code']}", sid=sid)
    again = post_sms(client, app, referral["phone"], f"OUI {referral['code']}", sid=sid)
    assert first.status_code == again.status_code == 200
    assert "<Message>" not in again.get_data(as_text=True)  # a replay gets no second answer
    assert target_state(app, referral["target_id"]) == "accepted"
    assert len(outbox(app, kind="accepted_notice")) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "target.accept")) == 1


def test_unknown_sender_gets_a_neutral_answer_and_nothing_changes(app, client, referral):
    response = post_sms(client, app, "+22379999999", f"OUI {referral['code']}")
    assert response.status_code == 200
    assert "pas enregistré" in response.get_data(as_text=True)
    assert referral["code"] not in response.get_data(as_text=True)
    assert target_state(app, referral["target_id"]) == "sent"


def test_a_foreign_organisations_code_is_refused(app, client, world, referral):
    # Another provider's contact (not addressed by this referral) answers with its code.
    from directory.models import Contact

    with app.app_context():
        other = db.session.scalar(select(Contact).where(Contact.organisation_id != referral["organisation_id"],
                                                        Contact.organisation_id.not_in(
                                                            [t["organisation"]["id"]
                                                             for t in referral["body"]["targets"]])))
        phone = next(c.address for c in other.channels if c.kind == "sms")
    response = post_sms(client, app, phone, f"OUI {referral['code']}")
    assert "pas adressée à votre organisation" in response.get_data(as_text=True)
    assert target_state(app, referral["target_id"]) == "sent"
    assert outbox(app, kind="accepted_notice") == []


def test_statut_aide_and_unknown_code(app, client, referral):
    assert referral["code"] in post_sms(client, app, referral["phone"], "STATUT").get_data(as_text=True)
    assert "OUI code" in post_sms(client, app, referral["phone"], "AIDE").get_data(as_text=True)
    assert "inconnu" in post_sms(client, app, referral["phone"], "OUI ZZ99").get_data(as_text=True)
    assert "non compris" in post_sms(client, app, referral["phone"], "bonjour").get_data(as_text=True)


def test_plein_and_dispo_set_the_organisations_service_capacity(app, client, referral):
    with app.app_context():
        services = list(db.session.scalars(select(Service).where(
            Service.organisation_id == referral["organisation_id"])))
    service = services[0]
    word = service.type_code if len(services) > 1 else ""
    response = post_sms(client, app, referral["phone"], f"PLEIN {word}".strip())
    assert "complet" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Service, service.id).status == "full"
    post_sms(client, app, referral["phone"], f"dispo {word}".strip())
    with app.app_context():
        assert db.session.get(Service, service.id).status == "active"


def test_status_callback_delivered_moves_the_target_to_delivered(app, client, referral):
    with app.app_context():
        from notifications.outbox import OutboxMessage

        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "new_referral",
                                                            OutboxMessage.target_id == referral["target_id"]))
        row.provider_message_id, row.channel = "SMdelivered0001", "sms"
        db.session.commit()
    assert post_status(client, app, "SMdelivered0001").status_code == 204
    assert target_state(app, referral["target_id"]) == "delivered"
    assert post_status(client, app, "SMdelivered0001").status_code == 204  # repeats are harmless
    assert outbox(app, kind="new_referral", target_id=referral["target_id"])[0].status == "delivered"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=300), sender=st.one_of(st.just("+22370000001"), st.text(max_size=20)),
       extra=st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=30), max_size=4),
       signature=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_no_body_gives_a_500(app, client, body, sender, extra, signature):
    response = post_sms(client, app, sender, body)
    assert response.status_code == 200
    raw = client.post("/webhooks/twilio/sms", data=extra, headers={"X-Twilio-Signature": signature})
    assert raw.status_code == 403
