"""The target state machine, without Flask or a database."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.referrals import lifecycle as lc

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def move(state, action, party, **details):
    return lc.apply(state, action, party=party, actor="user:1", channel="web", now=NOW, **details)


def test_the_happy_path_from_sent_to_completed():
    state = lc.SENT
    for action, party, details in [
        ("deliver", lc.SYSTEM, {}),
        ("acknowledge", lc.PROVIDER, {}),
        ("accept", lc.PROVIDER, {}),
        ("start", lc.PROVIDER, {}),
        ("complete", lc.PROVIDER, {"outcome": "hébergé 3 nuits"}),
    ]:
        state = move(state, action, party, **details).to_state
    assert state == lc.COMPLETED


def test_a_provider_may_accept_before_the_delivery_receipt_arrives():
    assert move(lc.SENT, "accept", lc.PROVIDER).to_state == lc.ACCEPTED


def test_a_transition_records_who_when_channel_and_why():
    transition = lc.apply(lc.DELIVERED, "decline", party=lc.PROVIDER, actor="sms:+22370000000",
                          channel="sms", now=NOW, reason_code="no_capacity", reason_text="complet")
    assert (transition.from_state, transition.to_state) == (lc.DELIVERED, lc.DECLINED)
    assert (transition.actor, transition.channel, transition.at) == ("sms:+22370000000", "sms", NOW)
    assert (transition.reason_code, transition.reason_text) == ("no_capacity", "complet")


@pytest.mark.parametrize("state, action, party", [
    (lc.COMPLETED, "cancel", lc.REFERRER),
    (lc.DECLINED, "accept", lc.PROVIDER),
    (lc.SENT, "start", lc.PROVIDER),
    (lc.ACCEPTED, "acknowledge", lc.PROVIDER),
    (lc.IN_SERVICE, "expire", lc.SYSTEM),
])
def test_moves_outside_the_table_are_illegal(state, action, party):
    with pytest.raises(lc.IllegalTransition):
        move(state, action, party, reason_code="x", outcome="x")


@pytest.mark.parametrize("action, party", [("accept", lc.REFERRER), ("cancel", lc.PROVIDER),
                                           ("expire", lc.PROVIDER), ("deliver", lc.REFERRER)])
def test_each_move_belongs_to_one_party(action, party):
    with pytest.raises(lc.NotAllowed):
        move(lc.SENT, action, party, reason_code="x")


def test_decline_and_cancel_need_a_reason_complete_needs_an_outcome():
    with pytest.raises(lc.MissingDetail) as declined:
        move(lc.SENT, "decline", lc.PROVIDER)
    assert declined.value.field == "reason"
    with pytest.raises(lc.MissingDetail):
        move(lc.ACCEPTED, "cancel", lc.REFERRER, reason_text="  ")
    with pytest.raises(lc.MissingDetail) as completed:
        move(lc.IN_SERVICE, "complete", lc.PROVIDER)
    assert completed.value.field == "outcome"
    with pytest.raises(lc.MissingDetail) as other:
        move(lc.SENT, "decline", lc.PROVIDER, reason_code="other")
    assert other.value.field == "reason_text"


def test_unknown_channel_and_naive_time_are_refused():
    with pytest.raises(lc.LifecycleError):
        lc.apply(lc.SENT, "accept", party=lc.PROVIDER, actor="x", channel="pigeon", now=NOW)
    with pytest.raises(lc.LifecycleError):
        lc.apply(lc.SENT, "accept", party=lc.PROVIDER, actor="x", channel="web", now=NOW.replace(tzinfo=None))


def test_every_state_maps_to_a_fhir_task_status():
    fhir = {"draft", "requested", "received", "accepted", "rejected", "ready", "cancelled", "in-progress",
            "on-hold", "failed", "completed", "entered-in-error"}
    assert set(lc.FHIR_TASK_STATUS) == set(lc.STATES)
    assert set(lc.FHIR_TASK_STATUS.values()) <= fhir


def test_closed_states_have_no_way_out():
    for state in lc.CLOSED - {lc.EXPIRED}:
        for party in (lc.PROVIDER, lc.REFERRER, lc.SYSTEM):
            assert lc.allowed_actions(state, party) == ()
    # An expired target may still be re-routed by escalation, and by nothing else.
    assert lc.allowed_actions(lc.EXPIRED, lc.SYSTEM) == ("reroute",)


def test_allowed_actions_offer_what_the_provider_can_press():
    assert lc.allowed_actions(lc.DELIVERED, lc.PROVIDER) == ("acknowledge", "accept", "decline")
    assert lc.allowed_actions(lc.ACCEPTED, lc.PROVIDER) == ("start", "fail")
    assert lc.allowed_actions(lc.ACCEPTED, lc.REFERRER) == ("cancel",)


def test_overdue_for_acknowledgement_then_for_decision():
    ack, decide = NOW + timedelta(hours=1), NOW + timedelta(hours=4)
    assert not lc.is_overdue(lc.SENT, ack, decide, NOW)
    assert lc.is_overdue(lc.SENT, ack, decide, NOW + timedelta(hours=2))
    assert not lc.is_overdue(lc.ACKNOWLEDGED, ack, decide, NOW + timedelta(hours=2))
    assert lc.is_overdue(lc.ACKNOWLEDGED, ack, decide, NOW + timedelta(hours=5))
    assert not lc.is_overdue(lc.ACCEPTED, ack, decide, NOW + timedelta(days=5))


parties = st.sampled_from([lc.PROVIDER, lc.REFERRER, lc.SYSTEM])
attempts = st.lists(st.tuples(st.sampled_from(lc.ACTIONS + ("teleport",)), parties), max_size=25)


@given(attempts)
def test_random_sequences_only_ever_apply_table_moves(sequence):
    state, history = lc.SENT, []
    for action, party in sequence:
        before = state
        try:
            transition = lc.apply(state, action, party=party, actor="p", channel="system", now=NOW,
                                  reason_code="no_capacity", outcome="done")
        except lc.LifecycleError:
            assert state == before  # a refused move changes nothing
            continue
        table_move = lc.MOVES[action]
        assert before in table_move.sources and party in table_move.by
        assert transition.from_state == before and transition.to_state == table_move.target
        state = transition.to_state
        history.append(transition)
    # The history is a chain: each move starts where the previous one ended.
    for earlier, later in zip(history, history[1:], strict=False):
        assert earlier.to_state == later.from_state
    # Once closed (expired aside), a target never reopens.
    closed_at = next((i for i, t in enumerate(history) if t.to_state in lc.CLOSED - {lc.EXPIRED}), None)
    if closed_at is not None:
        assert closed_at == len(history) - 1


def test_referral_is_open_while_any_target_is_open():
    assert lc.referral_state([lc.DECLINED, lc.ACCEPTED]) == "open"
    assert lc.referral_state([lc.DECLINED, lc.COMPLETED]) == "closed"
