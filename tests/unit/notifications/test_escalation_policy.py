"""The escalation policy on the frozen Bamako ladders, without a database: examples, then properties."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.referrals import lifecycle as lc
from notifications.escalation import (
    COORDINATOR,
    REMINDER,
    REROUTE,
    Situation,
    after_acknowledgement,
    after_reroute_failed,
    first_action_at,
    plan_next,
)
from routing import DEFAULT_POS_PATH, escalation_snapshot, load_pos

POS = load_pos(DEFAULT_POS_PATH)
POLICIES = {risk: escalation_snapshot(POS, risk) for risk in POS.risk_levels}


def at(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)   # Bamako is UTC+0 all year


def run_unanswered(policy, sent_at, sweep_every=timedelta(minutes=1), until_steps=None, acknowledged_at=None):
    """Sweep every `sweep_every` while nobody answers; [(time applied, plan)] until the ladder ends."""
    situation = Situation(lc.SENT, 0, first_action_at(policy, sent_at))
    applied = []
    now = sent_at
    while situation.next_action_at is not None:
        # Jump to the first sweep at or after the due time (or the acknowledgement): nothing happens between.
        wake = situation.next_action_at
        if acknowledged_at is not None and situation.state != lc.ACKNOWLEDGED:
            wake = min(wake, acknowledged_at)
        ticks = max(1, -(-(wake - now) // sweep_every))
        now += ticks * sweep_every
        if acknowledged_at is not None and situation.state != lc.ACKNOWLEDGED and now >= acknowledged_at:
            index, due = after_acknowledgement(policy, situation.step_index, now)
            situation = Situation(lc.ACKNOWLEDGED, index, due, decide_due_at=due)
            continue
        plan = plan_next(policy, situation, now)
        if plan.step is not None:
            applied.append((now, plan))
        situation = Situation(situation.state, plan.step_index, plan.next_action_at, situation.decide_due_at)
        if until_steps and len(applied) >= until_steps:
            break
    return applied


def test_eleve_on_a_24_7_clock_climbs_the_ladder_through_the_night():
    sent = at(2026, 5, 15, 22, 0)   # a Friday night: the 24/7 clock does not pause
    applied = run_unanswered(POLICIES["eleve"], sent)
    assert [(t - sent, p.step.action) for t, p in applied] == [
        (timedelta(hours=2), "reminder"),
        (timedelta(hours=4), "backup_contact"),
        (timedelta(hours=6), "head_of_organisation"),
        (timedelta(hours=8), "coordinator"),
        (timedelta(hours=12), "reroute"),
        (timedelta(hours=36), "flag_meeting"),
    ]
    assert applied[-1][1].ends_ladder


def test_moyen_pauses_outside_working_hours_and_over_a_declared_holiday():
    # Thursday 19 March 2026, 16:00; Friday 20 March is Korité (declared in the POS), then the weekend.
    sent = at(2026, 3, 19, 16, 0)
    policy = POLICIES["moyen"]
    assert first_action_at(policy, sent) == at(2026, 3, 23, 16, 0)   # 1 working day: Monday 16:00
    applied = run_unanswered(policy, sent, until_steps=2)
    assert [(t, p.step.action) for t, p in applied] == [
        (at(2026, 3, 23, 16, 0), "reminder"),
        # 4 working hours from Monday 16:00: one hour on Monday, three on Tuesday morning.
        (at(2026, 3, 24, 11, 0), "backup_contact"),
    ]


def test_nothing_happens_before_the_step_is_due():
    policy = POLICIES["urgence"]
    sent = at(2026, 5, 15, 10, 0)
    situation = Situation(lc.SENT, 0, first_action_at(policy, sent))
    plan = plan_next(policy, situation, sent + timedelta(minutes=29))
    assert plan.step is None and plan.next_action_at == sent + timedelta(minutes=30)


def test_an_answer_that_closes_the_target_ends_the_ladder():
    policy = POLICIES["urgence"]
    for state in (lc.ACCEPTED, lc.DECLINED, lc.CANCELLED, lc.REROUTED):
        plan = plan_next(policy, Situation(state, 1, at(2026, 5, 15, 10)), at(2026, 5, 16))
        assert plan.step is None and plan.next_action_at is None


def test_an_acknowledgement_stops_reminders_and_waits_for_the_decision_deadline():
    policy = POLICIES["eleve"]            # decide_within 24 h on a 24/7 clock
    acknowledged = at(2026, 5, 15, 11, 0)
    index, due = after_acknowledgement(policy, 0, acknowledged)   # before the first reminder
    assert (index, due) == (0, at(2026, 5, 16, 11, 0))
    situation = Situation(lc.ACKNOWLEDGED, index, due, decide_due_at=due)
    assert plan_next(policy, situation, due - timedelta(minutes=1)).step is None
    assert plan_next(policy, situation, due).step.action == "backup_contact"
    applied = run_unanswered(policy, acknowledged - timedelta(minutes=1), acknowledged_at=acknowledged)
    actions = [p.step.action for _, p in applied]
    assert REMINDER not in actions
    assert actions[0] == "backup_contact" and applied[0][0] >= due
    assert COORDINATOR in actions


def test_a_step_scheduled_before_the_acknowledgement_waits_for_the_decision_deadline():
    policy = POLICIES["eleve"]
    situation = Situation(lc.ACKNOWLEDGED, 0, at(2026, 5, 15, 12), decide_due_at=at(2026, 5, 16, 11))
    plan = plan_next(policy, situation, at(2026, 5, 15, 12, 1))
    assert plan.step is None and plan.next_action_at == at(2026, 5, 16, 11)


def test_a_reminder_after_a_failed_message_uses_the_next_channel():
    policy = POLICIES["urgence"]
    situation = Situation(lc.DELIVERED, 0, at(2026, 5, 15, 10), last_message_failed=True)
    plan = plan_next(policy, situation, at(2026, 5, 15, 10, 1))
    assert plan.step.action == REMINDER and plan.step.use_next_channel


def test_a_ladder_that_reroutes_before_its_coordinator_step_still_alerts_the_coordinator():
    policy = dict(POLICIES["urgence"])
    policy["steps"] = [
        {"index": 1, "wait": {"minutes": 30}, "action": "reroute"},
        {"index": 2, "wait": {"minutes": 30}, "action": "coordinator"},
    ]
    plan = plan_next(policy, Situation(lc.SENT, 0, at(2026, 5, 15, 10)), at(2026, 5, 15, 10))
    assert plan.step.action == REROUTE and plan.step.alert_coordinator
    # After the coordinator step, a re-route needs no second alert from the ladder...
    eleve = POLICIES["eleve"]
    reroute = plan_next(eleve, Situation(lc.SENT, 4, at(2026, 5, 15, 10)), at(2026, 5, 15, 10))
    assert reroute.step.action == REROUTE and not reroute.step.alert_coordinator
    # ...but a re-route that finds nobody always does.
    assert after_reroute_failed(eleve, reroute).step.alert_coordinator


@settings(max_examples=200, deadline=None)
@given(
    risk=st.sampled_from(sorted(POLICIES)),
    sent=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    every=st.integers(min_value=1, max_value=600).map(lambda m: timedelta(minutes=m)),
    acknowledge_after=st.one_of(st.none(), st.integers(min_value=0, max_value=20_000)),
)
def test_when_nobody_decides_the_coordinator_is_reached_and_times_only_move_forward(
        risk, sent, every, acknowledge_after):
    policy = POLICIES[risk]
    acknowledged_at = None if acknowledge_after is None else sent + timedelta(minutes=acknowledge_after)
    applied = run_unanswered(policy, sent, sweep_every=every, acknowledged_at=acknowledged_at)

    assert applied, "a ladder always applies at least one step"
    reached = [p.step.action == COORDINATOR or p.step.alert_coordinator for _, p in applied]
    assert any(reached), "the coordinator is reached before the ladder ends"
    indices = [p.step.index for _, p in applied]
    assert indices == sorted(set(indices)), "each step applies at most once, in ladder order"
    previous = sent
    for applied_at, plan in applied:
        assert applied_at >= previous
        if plan.next_action_at is not None:
            assert plan.next_action_at >= applied_at, "next_action_at never goes back in time"
        previous = applied_at
    if acknowledged_at is not None:
        assert all(p.step.action != REMINDER for t, p in applied if t > acknowledged_at)


@pytest.mark.parametrize("risk", sorted(POLICIES))
def test_every_step_of_every_bamako_ladder_applies_once_when_nobody_answers(risk):
    applied = run_unanswered(POLICIES[risk], at(2026, 5, 11, 9, 0), sweep_every=timedelta(minutes=1))
    assert [p.step.action for _, p in applied] == [s["action"] for s in POLICIES[risk]["steps"]]
