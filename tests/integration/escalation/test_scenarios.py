"""Escalation scenarios on a moving clock, on SQLite and PostgreSQL: what providers, coordinators and the
caseworker receive, and what the referral's timeline and the audit log say."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from directory.models import Contact, Service
from hub.extensions import db
from hub.referrals import lifecycle, service
from notifications.escalation_records import MeetingFlag
from notifications.sweep import escalate_target, sweep
from tests.integration.escalation.conftest import add_provider, audit, messages, refer, targets_of

T0 = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)     # a Tuesday


def timeline(target) -> list[tuple[str, str | None]]:
    return [(t.action, t.reason_code) for t in target.transitions]


def provider_answers(target, action, when, **details):
    actor = service.ContactActor(label="sms:contact", organisation_id=target.organisation_id)
    service.apply_transition(actor, target, action, "sms", when, **details)


def test_no_answer_climbs_the_ladder_then_reroutes_and_the_new_provider_accepts(app, world):
    with app.app_context():
        code = refer(world, T0)                      # élevé: 24/7, steps at +2h +4h +6h +8h, re-route at +12h
        [first] = targets_of(code)
        assert first.next_action_at == T0 + timedelta(hours=2)

        assert sweep(T0 + timedelta(hours=1, minutes=59)).applied == []
        steps = {}
        for hours in (2, 4, 6, 8):
            report = sweep(T0 + timedelta(hours=hours))
            [applied] = report.applied
            steps[applied.action] = applied

        focal, backup, head = (db.session.get(Contact, i) for i in first.contact_order[:3])
        reminder = messages(first.id, "reminder")
        assert [m.contact_id for m in reminder] == [focal.id]
        assert [m.contact_id for m in messages(first.id, "escalation_backup")] == [backup.id]
        assert [m.contact_id for m in messages(first.id, "escalation_head")] == [head.id]
        coordinators = messages(first.id, "escalation_coordinator")
        assert coordinators and all(db.session.get(Contact, m.contact_id).role == "coordinator"
                                    for m in coordinators)
        assert steps["coordinator"].message_ids == [m.id for m in coordinators]

        report = sweep(T0 + timedelta(hours=12))
        [rerouted] = report.applied
        first, second = targets_of(code)
        assert first.state == lifecycle.REROUTED and first.next_action_at is None
        assert second.state == lifecycle.SENT and second.organisation_id != first.organisation_id
        assert second.acknowledge_due_at == T0 + timedelta(hours=16)        # its own deadlines, from now
        assert second.next_action_at == T0 + timedelta(hours=14)
        assert second.escalation == first.escalation                         # the same frozen policy
        assert [m.kind for m in messages(second.id)] == ["new_referral", "rerouted"]
        caseworker_notice = messages(second.id, "rerouted")[0]
        assert caseworker_notice.user_id == world.users["caseworker"]
        assert sorted(rerouted.message_ids) == sorted(m.id for m in messages(second.id))

        # The timeline shows every step; the audit log has them with the ids of the messages sent.
        assert timeline(first) == [("send", None), ("escalate", "reminder"), ("escalate", "backup_contact"),
                                   ("escalate", "head_of_organisation"), ("escalate", "coordinator"),
                                   ("reroute", None)]
        assert all(t.actor_label == "system:sweep" for t in first.transitions[1:])
        entries = audit("escalation.")
        assert [e.action for e in entries] == [
            "escalation.reminder", "escalation.backup_contact", "escalation.head_of_organisation",
            "escalation.coordinator", "escalation.reroute"]
        assert json.loads(entries[0].detail)["messages"] == [reminder[0].id]
        assert json.loads(entries[-1].detail)["new_target"] == second.id

        provider_answers(second, "accept", T0 + timedelta(hours=13))
        [_, second] = targets_of(code)
        assert second.state == lifecycle.ACCEPTED and second.next_action_at is None
        assert sweep(T0 + timedelta(days=5)).applied == []                   # the ladder is over


def test_a_decline_reroutes_within_the_same_request(app, client, world):
    with app.app_context():
        from hub.timeutil import utcnow

        code = refer(world, utcnow())
        [first] = targets_of(code)
        first_id, first_org = first.id, first.organisation_id
    add_provider(app, world, "provider", first_org)

    response = client.post(f"/api/v1/referrals/{code}/targets/{first_id}/decline",
                           json={"reason_code": "no_capacity"}, headers=world.headers("provider"))
    assert response.status_code == 200, response.get_json()

    with app.app_context():
        first, second = targets_of(code)
        assert first.state == lifecycle.DECLINED
        assert second.state == lifecycle.SENT and second.organisation_id != first_org
        assert [m.kind for m in messages(second.id)] == ["new_referral", "rerouted"]
        assert audit("escalation.reroute_after_decline")


def test_working_hours_and_a_holiday_delay_a_moyen_deadline(app, world):
    # Thursday 19 March 2026, 16:00. Friday 20 March is Korité (declared in the POS), then the weekend:
    # "1 working day" runs out on Monday 23 March at 16:00; the backup's 4 working hours on Tuesday 11:00.
    sent = datetime(2026, 3, 19, 16, 0, tzinfo=UTC)
    with app.app_context():
        code = refer(world, sent, risk="moyen")
        [target] = targets_of(code)
        monday = datetime(2026, 3, 23, 16, 0, tzinfo=UTC)
        assert target.acknowledge_due_at == monday and target.next_action_at == monday

        for quiet in (datetime(2026, 3, 20, 16, 0, tzinfo=UTC), datetime(2026, 3, 22, 12, 0, tzinfo=UTC),
                      monday - timedelta(minutes=1)):
            assert sweep(quiet).applied == []
        assert [a.action for a in sweep(monday).applied] == ["reminder"]
        [target] = targets_of(code)
        assert target.next_action_at == datetime(2026, 3, 24, 11, 0, tzinfo=UTC)


def test_an_acknowledgement_stops_the_reminders_and_starts_the_decision_deadline(app, world):
    with app.app_context():
        code = refer(world, T0)                       # élevé: decide within 24 h of the acknowledgement
        [target] = targets_of(code)
        provider_answers(target, "acknowledge", T0 + timedelta(hours=1))
        [target] = targets_of(code)
        assert target.next_action_at == T0 + timedelta(hours=25) == target.decide_due_at

        for hours in (2, 4, 24):
            assert sweep(T0 + timedelta(hours=hours)).applied == []
        assert messages(target.id, "reminder") == []
        assert [a.action for a in sweep(T0 + timedelta(hours=25)).applied] == ["backup_contact"]


def test_a_stale_or_duplicate_step_job_does_nothing(app, world):
    with app.app_context():
        code = refer(world, T0)
        [target] = targets_of(code)
        token = target.step_token
        due = T0 + timedelta(hours=2)
        assert escalate_target(target.id, token, due).action == "reminder"
        assert escalate_target(target.id, token, due) is None               # the same job, run twice
        assert escalate_target(target.id, token, T0 + timedelta(hours=4)) is None   # an old job, later
        assert len(messages(target.id, "reminder")) == 1


def test_rerouting_skips_a_full_service_until_its_full_until_date(app, world):
    with app.app_context():
        code = refer(world, T0)
        [first] = targets_of(code)
        others = db.session.scalars(select(Service).where(
            Service.type_code == "assistance_juridique", Service.organisation_id != first.organisation_id)).all()
        # Every other legal-aid service declares itself full; one of them only until a date already past.
        for other in others:
            other.status = "full"
        reopened = others[-1]
        reopened.full_until = T0 + timedelta(hours=1)
        db.session.commit()
        reopened_id = reopened.id

        for hours in (2, 4, 6, 8, 12):
            sweep(T0 + timedelta(hours=hours))
        targets = targets_of(code)
        assert len(targets) == 2 and targets[1].service_id == reopened_id


def test_no_provider_left_keeps_the_ladder_tells_the_coordinator_and_flags_the_meeting(app, world):
    with app.app_context():
        code = refer(world, T0)
        [first] = targets_of(code)
        for other in db.session.scalars(select(Service).where(Service.type_code == "assistance_juridique",
                                                              Service.id != first.service_id)):
            other.status = "suspended"
        db.session.commit()
        for hours in (2, 4, 6, 8):
            sweep(T0 + timedelta(hours=hours))
        before = len(messages(first.id, "escalation_coordinator"))
        [applied] = sweep(T0 + timedelta(hours=12)).applied
        assert applied.action == "reroute" and applied.new_target_id is None
        [first] = targets_of(code)
        assert first.state == lifecycle.SENT and first.next_action_at == T0 + timedelta(hours=36)
        assert len(messages(first.id, "escalation_coordinator")) > before
        assert db.session.scalar(select(MeetingFlag.reason).where(MeetingFlag.target_id == first.id)) == "no_provider"
        [flagged] = sweep(T0 + timedelta(hours=36)).applied
        assert flagged.action == "flag_meeting"
        reasons = set(db.session.scalars(select(MeetingFlag.reason).where(MeetingFlag.target_id == first.id)))
        assert reasons == {"no_provider", "no_answer"}
        assert targets_of(code)[0].next_action_at is None


def test_a_reminder_after_a_failed_message_goes_to_the_contacts_next_channel(app, world):
    with app.app_context():
        code = refer(world, T0)
        [target] = targets_of(code)
        [first_message] = messages(target.id, "new_referral")
        first_message.status = "failed"          # e.g. the SMS bounced and nothing else was tried
        db.session.commit()
        focal = db.session.get(Contact, target.contact_order[0])
        channels = sorted(focal.channels, key=lambda c: c.position)
        assert first_message.contact_channel_id == channels[0].id

        sweep(T0 + timedelta(hours=2))
        [reminder] = messages(target.id, "reminder")
        assert reminder.contact_id == focal.id and reminder.contact_channel_id == channels[1].id
