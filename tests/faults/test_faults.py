"""Issue 9, short form: break one real service at a time and check that Sira loses nothing and applies
nothing twice. PostgreSQL + a private redis-server + real RQ workers (the scale-out mode), fake providers
on loopback. The scenarios live in tests/faults/scenarios.py; bench/bench_faults.py runs them larger.

Each test prints its figures (`pytest -s` shows them): messages, duplicates, lost, retries, seconds to
recover. Assertions are on outcomes only, never on timings.
"""

from __future__ import annotations

import pytest

from tests.conftest import service_unavailable
from tests.faults import scenarios
from tests.faults.harness import ServiceMissing

pytestmark = pytest.mark.faults


def run(scenario, *args, **sizes) -> dict:
    try:
        figures = scenario(*args, **sizes)
    except ServiceMissing as error:
        service_unavailable("Redis", str(error))
    print(f"\n{scenario.__name__}: {figures}")
    return figures


def test_redis_killed_mid_burst_loses_no_referral_and_no_message(postgresql_url, tmp_path):
    # A worker that quit on the outage is replaced in-process here (bench_faults restarts the process).
    figures = run(scenarios.run_redis_outage, postgresql_url, tmp_path, size=8, restart_worker=False)
    assert figures["referrals"] == 8 and figures["messages"] > 0
    assert figures["pending_at_restart"] > 0  # the outage really left work for the relay
    assert figures["lost"] == 0 and figures["duplicates"] == 0


def test_worker_killed_mid_delivery_costs_at_most_one_duplicate_per_kill(postgresql_url, tmp_path):
    figures = run(scenarios.run_killed_worker, postgresql_url, tmp_path, messages=5, kills=2)
    assert figures["lost"] == 0
    assert figures["relayed"] == 2
    # The kill after Twilio accepted the message costs exactly its duplicate; the other one none.
    assert figures["duplicates"] == 1


def test_postgres_connections_terminated_fail_cleanly_and_recover(postgresql_url, tmp_path):
    figures = run(scenarios.run_postgres_drop, postgresql_url, tmp_path, referrals=2)
    assert figures["failed_requests"] == 1 and figures["sweep_errors"] == 1
    assert figures["lost"] == 0 and figures["duplicates"] <= 1


def test_twilio_failing_30_percent_ends_every_message_sent_once_or_failed(postgresql_url, tmp_path):
    figures = run(scenarios.run_flaky_twilio, postgresql_url, tmp_path, messages=24)
    assert figures["retries"] > 0  # the failures really happened
    assert figures["sent"] + figures["failed"] == 24
    assert figures["lost"] == 0 and figures["duplicates"] == 0


def test_a_contact_blocking_the_bot_fails_over_to_sms_once(database_url, tmp_path):
    figures = run(scenarios.run_telegram_blocked, database_url, tmp_path, contacts=3)
    assert figures["failovers"] == 1 and figures["blocked_chat_attempts"] == 1
    assert figures["telegram_sent"] == 4


def test_a_clock_jump_applies_each_due_step_once(database_url, tmp_path):
    figures = run(scenarios.run_clock_jump, database_url, tmp_path, referrals=2)
    assert figures["steps_applied"] >= 2 * 4  # reminder ... coordinator on both ladders
