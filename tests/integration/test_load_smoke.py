"""The end-to-end load harness (bench/bench_load.py, issue 9) on a small scale: CI proves that Sira runs
scaled out for real (gunicorn, RQ workers, rq cron, PostgreSQL, Redis, fake Twilio and Telegram) and that
the verification it reports would notice a message sent twice or an answer applied without a reply.
"""

from __future__ import annotations

import pytest

from bench.bench_load import figures, prepare, run_load, verify
from bench.scaleout import ServiceUnreachable, scaleout_stack
from tests.conftest import service_unavailable
from tests.support import REDIS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REFERRALS = 20


def test_referrals_answered_by_sms_and_telegram_are_delivered_once_and_applied_once():
    try:
        # One process of each kind keeps start-up short on CI; the code path is the same as with two.
        with scaleout_stack(REDIS_URL, prepare, web_workers=1, rq_workers=1) as stack:
            result = run_load(stack, REFERRALS, budget=90, k_steps=(2,), step_seconds=90, drain_timeout=90,
                              replay_every=3, baseline_seconds=0.5)

            assert result.violations == {"routing": [], "delivery": [], "replies": []}
            assert len(result.created) == REFERRALS and result.drained
            assert result.counts["SMS at fake"] > 0 and result.counts["Telegram at fake"] > 0
            assert result.replays > 0  # answers sent twice, and still one accept each
            assert result.counts["accepted targets"] == result.counts["targets"]
            checks = [f for f in figures(result, "smoke", REFERRALS) if f.name.startswith("load: violations")]
            assert len(checks) == 3 and all(f.met for f in checks)

            # The checks are not vacuous: an SMS sent twice and an accept nobody sent are both caught.
            with stack.twilio.lock:
                stack.twilio.messages.append({**stack.twilio.messages[0], "sid": "SM" + "d" * 32})
            result.answered.remove(next(r for r in result.answered if r[0] == "telegram"))
            verify(stack, result)
            assert any("matches no outbox row" in v for v in result.violations["delivery"])
            assert any("accepted without an answer" in v for v in result.violations["replies"])
    except ServiceUnreachable as error:
        service_unavailable("PostgreSQL or Redis", str(error))
