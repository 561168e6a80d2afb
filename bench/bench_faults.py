"""Issue 9, long form: the fault-injection scenarios of tests/faults at a larger size, as figures.

Each scenario breaks one real thing (a private redis-server killed mid-burst, RQ workers SIGKILLed
mid-delivery, PostgreSQL connections terminated by the server, a fake Twilio failing 30 % of the calls,
a Telegram chat blocking the bot, the clock jumping days ahead) and checks that nothing is lost and
nothing applied twice; a broken invariant fails the benchmark (an AssertionError), the figures say by how
much the safety margins were met and how long recovery took. PostgreSQL when reachable (else SQLite,
where the scenario allows it), private Redis servers, loopback fakes. A few minutes on 2 cores.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from bench import Figure
from bench.bench_channels import _database

REFERRALS = 200       # a. referrals through the API, Redis killed after half of them
MESSAGES = 500        # d. SMS through a Twilio failing FAILURE_RATE of the calls
FAILURE_RATE = 0.3
KILLS = 6             # b. deliveries SIGKILLed (half the work horse alone, half the whole worker)
KILL_MESSAGES = 40
DROP_REFERRALS = 20   # c. referrals swept and delivered while connections are terminated
CONTACTS = 20         # e. contacts on Telegram, one of whom blocks the bot
JUMP_REFERRALS = 20   # f. referrals whose ladders the clock jumps over


def _scratch(parent: Path, name: str) -> Path:
    folder = parent / name
    folder.mkdir()
    return folder


# Loggers that report each injected fault as it happens (a traceback per request made while Redis is
# down, ...): expected here, and thousands of lines. The figures and the invariants say what happened.
QUIET = ("hub", "notifications")


def run() -> list[Figure]:
    levels = {name: logging.getLogger(name).level for name in QUIET}
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        return _run()
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _run() -> list[Figure]:
    from tests.faults import scenarios

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database_url, label, drop = _database(workdir)
        try:
            if label != "PostgreSQL":
                raise RuntimeError("bench_faults needs PostgreSQL (SIRA_TEST_POSTGRES_URL)")
            healthy = scenarios.run_flaky_twilio(database_url, _scratch(workdir, "d0"), messages=MESSAGES,
                                                 failure_rate=0)
            seconds_per_message = healthy["drain_seconds"] / MESSAGES
            a = scenarios.run_redis_outage(database_url, _scratch(workdir, "a"), size=REFERRALS)
            healthy_recovery = a["worker_start_seconds"] + a["pending_at_restart"] * seconds_per_message
            figures += [
                Figure("Redis killed mid-burst: lost messages", a["lost"], a["messages"], "msg", 0,
                       note=f"{a['referrals']} referrals via the API, Redis down {a['outage_seconds']} s; "
                            f"baseline: messages written; {a['pending_at_restart']} waited for the relay"),
                Figure("Redis killed mid-burst: duplicate messages", a["duplicates"], a["messages"], "msg", 0),
                Figure("Redis killed: deliver jobs enqueued per waiting message", a["relayed"],
                       a["pending_at_restart"], "job", 1.5, "max_ratio",
                       "relay runs every 15 s; a row it handed out is handed out again only after "
                       "RELAY_REDISPATCH_AFTER (before: at every run, 2,735 jobs for 507 messages)"),
                Figure("Redis killed: seconds to deliver all after restart", a["recover_seconds"],
                       healthy_recovery, "s", 2, "max_ratio",
                       f"baseline: a worker start-up ({a['worker_start_seconds']} s) + the waiting messages at "
                       f"the healthy rate ({seconds_per_message * 1000:.0f} ms each, run d0); "
                       f"{a['worker_restarts']} worker(s) quit on the outage and were restarted"),
            ]
            b = scenarios.run_killed_worker(database_url, _scratch(workdir, "b"), messages=KILL_MESSAGES,
                                            kills=KILLS)
            figures += [
                Figure("worker SIGKILLed mid-delivery: lost messages", b["lost"], b["messages"], "msg", 0,
                       note=f"{b['kills']} kills; relay after SENDING_TIMEOUT freed {b['relayed']} rows"),
                Figure("worker SIGKILLed: duplicates per killed delivery", b["duplicates_per_kill"], 1, "msg", 1,
                       note="half the kills land after Twilio accepted the message: each costs its one "
                            "duplicate; the others none"),
            ]
            import hub.worker

            if hasattr(hub.worker, "SiraForkingWorker"):  # one process per job: the work horse alone can die
                fork = scenarios.run_killed_worker(database_url, _scratch(workdir, "b2"), messages=KILL_MESSAGES,
                                                   kills=KILLS, worker_class="hub.worker.SiraForkingWorker")
                figures.append(Figure("forking worker SIGKILLed: duplicates per killed delivery",
                                      fork["duplicates_per_kill"], 1, "msg", 1,
                                      note=f"{fork['kills']} kills, {fork['killed_workers']} of the whole worker, "
                                           f"the others of the work horse alone; {fork['lost']} lost"))
            c = scenarios.run_postgres_drop(database_url, _scratch(workdir, "c"), referrals=DROP_REFERRALS)
            figures += [
                Figure("PostgreSQL connections killed: lost + duplicated", c["lost"] + c["duplicates"],
                       c["messages"], "msg", 1,
                       note=f"{c['connections_killed']} connections terminated (between requests, mid-request, "
                            "mid-sweep, mid-delivery); the delivery cut after Twilio accepted costs <= 1 "
                            "duplicate"),
            ]
            d = scenarios.run_flaky_twilio(database_url, _scratch(workdir, "d"), messages=MESSAGES,
                                           failure_rate=FAILURE_RATE)
            expected_retries = FAILURE_RATE / (1 - FAILURE_RATE)
            figures += [
                Figure(f"Twilio failing {FAILURE_RATE:.0%}: messages lost", d["lost"], d["messages"], "msg", 0,
                       note=f"{d['sent']} sent once, {d['failed']} failed with a reason after MAX_ATTEMPTS; "
                            f"{d['twilio_calls']} calls; 0 duplicates"),
                Figure(f"Twilio failing {FAILURE_RATE:.0%}: retries per message", d["retries"] / d["messages"],
                       expected_retries, "retry", 1.5, "max_ratio",
                       f"baseline: p/(1-p), the retries a memoryless {FAILURE_RATE:.0%} failure rate costs"),
                Figure(f"Twilio failing {FAILURE_RATE:.0%}: seconds to drain", d["drain_seconds"],
                       seconds_per_message * d["twilio_calls"] + d["timeouts"] * scenarios.FLAKY_CLIENT_TIMEOUT,
                       "s", 1.5, "max_ratio",
                       f"baseline: {d['twilio_calls']} calls at the healthy rate (run d0) + {d['timeouts']} client "
                       f"timeouts of {scenarios.FLAKY_CLIENT_TIMEOUT} s, one worker; the backoff waits were "
                       f"skipped ({d['skipped_backoff_seconds']} s in real time over {d['rounds']} rounds)"),
            ]
            e = scenarios.run_telegram_blocked(database_url, _scratch(workdir, "e"), contacts=CONTACTS)
            figures.append(Figure("Telegram blocked for one chat: attempts on that chat",
                                  e["blocked_chat_attempts"], 2, "call", 1,
                                  note=f"baseline: 2 messages sent to it; {e['failovers']} failover to SMS, "
                                       f"{e['telegram_sent']} Telegram messages to the {CONTACTS - 1} others"))
            f = scenarios.run_clock_jump(database_url, _scratch(workdir, "f"), referrals=JUMP_REFERRALS,
                                         jump=timedelta(days=3))
            figures.append(Figure("clock jumps of 3 days: steps applied twice", 0, f["steps_applied"], "step", 0,
                                  note=f"{f['jumps']} jumps, {f['steps_applied']} steps, {f['messages']} "
                                       "messages, each once (an invariant broken would have failed the run)"))
        finally:
            drop()
    return figures
