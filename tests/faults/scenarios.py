"""Fault-injection scenarios (issue 9), parametrised by size: small in tests/faults (CI), large in
bench/bench_faults.py. Each takes a PostgreSQL (or SQLite) URL and a scratch folder, breaks one real
thing, lets Sira recover, checks that nothing was lost or applied twice, and returns its figures:

    messages, duplicates, lost, retries, recover_seconds, ... (plain numbers, for a report or a Figure)

Checks are `assert`s so that a test fails naming what went wrong; the figures are what the benchmark
prints. Nothing here reads a clock to decide an outcome: deadlines are moved with `now` or by ageing rows.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from directory.models import Contact, ContactChannel, Organisation
from hub.extensions import db
from hub.referrals.models import Referral, ReferralTarget, TargetTransition
from hub.schedule import PERIODIC_JOBS
from hub.timeutil import utcnow
from notifications.delivery import RELAY_GRACE, SENDING_TIMEOUT, relay
from notifications.outbox import FAILED, SENT, OutboxMessage, queue_to_contact
from notifications.templates import MessageContext, MessageKind
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.faults.harness import (
    WorkerProcess,
    channel_settings,
    private_redis,
    scaleout_app,
    wait_for,
    worker_environment,
)
from tests.integration.channels.conftest import outbox as outbox_rows
from tests.integration.referrals.conftest import make_world, send

# --- checks shared by the scenarios ----------------------------------------------------------------------


def run_worker(app) -> None:
    """tests.support.run_worker, quiet: a real RQ worker in burst mode, in this process (the test's app),
    logging only warnings (the long form runs thousands of jobs)."""
    from rq import SimpleWorker

    backend = app.extensions["sira_dispatcher"]
    with app.app_context():
        SimpleWorker([backend.queue], connection=backend.redis).work(burst=True, logging_level="WARNING")


def twilio_copies(fake: FakeTwilioApi) -> Counter:
    """How many times the fake Twilio accepted each (recipient, text): 1 is right, 2 is a duplicate."""
    with fake.lock:
        return Counter((m["To"], m["Body"]) for m in fake.messages)


def delivery_figures(rows: list[OutboxMessage], fake: FakeTwilioApi) -> dict:
    """Lost = an SMS row not sent, or sent but never accepted by Twilio; duplicates = extra copies."""
    sms = [r for r in rows if r.channel == "sms" and not r.simulated]
    copies = twilio_copies(fake)
    accepted = {(r.address, r.body) for r in sms}
    assert len(accepted) == len(sms), "two SMS rows with the same recipient and text: the count would lie"
    lost = sum(1 for r in sms if r.status != SENT or copies[(r.address, r.body)] == 0)
    duplicates = sum(max(copies[key] - 1, 0) for key in accepted)
    strangers = sum(n for key, n in copies.items() if key not in accepted)  # sent but in no row: a bug
    assert strangers == 0, f"{strangers} SMS accepted by Twilio that no outbox row accounts for"
    return {"messages": len(sms), "duplicates": duplicates, "lost": lost,
            "retries": sum(max(r.attempts - 1, 0) for r in rows)}


def transitions_applied_once(app) -> int:
    """Every (target, action, reason) of the timeline at most once in these scenarios; the transitions."""
    with app.app_context():
        counts = Counter(db.session.execute(select(TargetTransition.target_id, TargetTransition.action,
                                                   TargetTransition.reason_code)).all())
    twice = {key: n for key, n in counts.items() if n > 1}
    assert not twice, f"transitions applied more than once: {twice}"
    return sum(counts.values())


def real_contacts(app) -> None:
    """Demo contacts only ever reach the simulator: make them real so that SMS go to the fake Twilio."""
    with app.app_context():
        db.session.execute(update(Contact).values(demo=False))
        db.session.commit()


def age_sending_rows(app) -> int:
    """Time passes for rows stuck in `sending` (their worker died): move their claim back past
    SENDING_TIMEOUT instead of waiting five minutes."""
    with app.app_context():
        aged = db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "sending")
                                  .values(claimed_at=utcnow() - SENDING_TIMEOUT - timedelta(seconds=1))).rowcount
        db.session.commit()
    return aged


def run_relay(app, now: datetime | None = None) -> int:
    with app.app_context():
        return relay(now)


def unfinished(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status.not_in((SENT, FAILED, "delivered"))))


# --- a. Redis stopped in the middle of a burst, then restarted --------------------------------------------

RELAY_PERIOD = dict(PERIODIC_JOBS)["notifications.delivery.relay"]  # seconds between two relay runs


def run_redis_outage(database_url: str, workdir: Path, size: int = 10, restart_worker: bool = True) -> dict:
    """`size` referrals through the API in scale-out mode with a real worker running; Redis is killed
    after half of them and restarted after the rest. Every request succeeds (the outbox commits with the
    referral), and once Redis is back the relay and a worker deliver every message exactly once. A worker
    process that quit meanwhile is restarted (`restart_worker`) or replaced by one in this process."""
    twilio = FakeTwilioApi().start()
    worker = None
    try:
        with private_redis() as redis, scaleout_app(database_url, workdir, redis.url,
                                                    **channel_settings(twilio)) as app:
            world = make_world(app)
            real_contacts(app)
            env = worker_environment(database_url, workdir, redis.url, twilio)
            started = time.monotonic()
            worker = WorkerProcess(env, log=workdir / "worker-a.log").wait_listening()
            worker_start = time.monotonic() - started
            client, statuses = app.test_client(), []
            for index in range(size):
                if index == size // 2:
                    redis.stop()
                    outage_started = time.monotonic()
                statuses.append(send(client, world).status_code)
            assert statuses == [201] * size, f"referral requests during the outage: {Counter(statuses)}"
            pending_at_restart = unfinished(app)
            redis.start()
            restarted = time.monotonic()
            # The cron's relay, every RELAY_PERIOD from the restart on. Its `now` is a grace period
            # ahead, so that the rows written during the outage count as left behind at once.
            relayed, last_tick, restarts = 0, None, 0

            def drained() -> bool:
                nonlocal worker, restarts, relayed, last_tick
                if last_tick is None or time.monotonic() - last_tick >= RELAY_PERIOD:
                    relayed += run_relay(app, utcnow() + RELAY_GRACE + timedelta(seconds=1))
                    last_tick = time.monotonic()
                if not worker.alive():  # RQ's worker quits when Redis vanishes mid-job
                    restarts += 1
                    if restart_worker:  # as systemd would
                        worker = WorkerProcess(env, log=workdir / "worker-a.log")
                    else:  # or a worker in this process (no start-up to wait for: CI)
                        run_worker(app)
                return unfinished(app) == 0

            recover = wait_for(drained, 600, "messages delivered after the Redis restart", interval=0.1)
            outage = restarted - outage_started
            with app.app_context():
                referrals = db.session.scalars(select(Referral)).all()
                assert len(referrals) == size, "every referral request made a referral"
                assert all(r.targets for r in referrals), "every referral was routed to a provider"
            rows = outbox_rows(app)
            assert rows and {r.status for r in rows} == {SENT}, Counter(r.status for r in rows)
            figures = delivery_figures(rows, twilio)
            transitions_applied_once(app)
            # A second relay finds nothing left: the restart created no duplicates later either.
            assert run_relay(app, utcnow() + timedelta(hours=1)) == 0
            assert figures["lost"] == 0 and figures["duplicates"] == 0, figures
            worker.stop()  # before its Redis goes away with the context
            worker = None
            return {**figures, "referrals": size, "pending_at_restart": pending_at_restart,
                    "relayed": relayed, "outage_seconds": round(outage, 2), "recover_seconds": round(recover, 2),
                    "worker_restarts": restarts, "worker_start_seconds": round(worker_start, 2)}
    finally:
        if worker is not None:
            worker.stop()
        twilio.stop()


# --- b. an RQ worker SIGKILLed while delivering -----------------------------------------------------------


def sms_contacts(app, count: int, channels=("sms",)) -> list[int]:
    """`count` real contacts of one organisation, each with its own number (and, if asked, a Telegram
    chat and an e-mail address after it)."""
    with app.app_context():
        organisation = Organisation(name="Organisation des essais de pannes", acronym="OEP", kind="national_ngo")
        contacts = []
        for index in range(count):
            addresses = {"sms": f"+2237600{index:04d}", "telegram": str(900_000 + index),
                         "email": f"point.focal{index}@oep.example"}
            contact = Contact(organisation=organisation, role="focal_point", name=f"Point focal {index}",
                              demo=False)
            contact.channels = [ContactChannel(position=i, kind=kind, address=addresses[kind])
                                for i, kind in enumerate(channels)]
            contacts.append(contact)
        db.session.add_all(contacts)
        db.session.commit()
        return [c.id for c in contacts]


def queue_messages(app, contact_ids: list[int], count: int, prefix: str = "F") -> list[int]:
    """`count` new-referral notices spread over the contacts, each with its own code (so its own text),
    written in one commit: the commit enqueues their delivery."""
    with app.app_context():
        contacts = [db.session.get(Contact, i) for i in contact_ids]
        rows = [queue_to_contact(contacts[index % len(contacts)], MessageKind.NEW_REFERRAL,
                                 MessageContext(code=f"{prefix}{index:04d}", service="Hébergement",
                                                urgency="Élevé", commune="Commune VI"))
                for index in range(count)]
        db.session.commit()
        return [r.id for r in rows]


def run_killed_worker(database_url: str, workdir: Path, messages: int = 6, kills: int = 2,
                      worker_class: str = "hub.worker.SiraWorker") -> dict:
    """`kills` times a real worker takes a delivery, the fake Twilio holds the call, and the delivery is
    SIGKILLed mid-call: first before Twilio accepted the message, only the forked work horse if the worker
    forks one per job (the OOM killer's pick; the worker goes on), else the worker; then the whole worker
    after Twilio accepted the message (the worst case: Twilio has it, Sira never hears so); alternately. Once SENDING_TIMEOUT has
    passed the relay frees the rows stuck in `sending` and they are delivered: none lost, at most one
    duplicate per kill."""
    assert messages > kills
    twilio = FakeTwilioApi().start()
    worker = None
    try:
        with private_redis() as redis, scaleout_app(database_url, workdir, redis.url,
                                                    **channel_settings(twilio)) as app:
            contact_ids = sms_contacts(app, 3)
            # A client timeout longer than the hold: the kill, not the timeout, ends the held call.
            env = worker_environment(database_url, workdir, redis.url, twilio, TWILIO_TIMEOUT="300")
            queue_messages(app, contact_ids, messages)
            killed_workers = 0
            for kill in range(kills):
                whole_worker = kill % 2 == 1
                twilio.hang_next(seconds=300, accept=whole_worker)
                hung_before = len(twilio.hung)
                if worker is None:
                    worker = WorkerProcess(env, log=workdir / "worker-b.log", worker_class=worker_class)
                wait_for(lambda before=hung_before: len(twilio.hung) > before, 60,
                         "a delivery reaching the fake Twilio")
                if not whole_worker and worker.kill_horse() == 0:
                    whole_worker = True  # a worker running jobs in its own process: the job dies with it
                if whole_worker:
                    worker.kill()
                    worker = None
                    killed_workers += 1
            # Every other row delivered first: ageing a row being delivered right now would fake a kill.
            if worker is None:
                run_worker(app)  # a new worker (in this process: no second start-up to wait for)
            wait_for(lambda: len(outbox_rows(app, status=SENT)) == messages - kills, 120,
                     "the rows nobody killed delivered")
            stuck = [r.id for r in outbox_rows(app, status="sending")]
            assert len(stuck) == kills, f"each kill leaves its row in sending: {stuck}"
            assert age_sending_rows(app) == kills
            start = time.monotonic()
            relayed = run_relay(app)
            if worker is None:
                run_worker(app)
            wait_for(lambda: unfinished(app) == 0, 120, "the freed rows delivered")
            recover = time.monotonic() - start
            if worker is not None:
                worker.stop()
                worker = None
            rows = outbox_rows(app)
            assert {r.status for r in rows} == {SENT}, Counter(r.status for r in rows)
            figures = delivery_figures(rows, twilio)
            assert figures["lost"] == 0, figures
            assert figures["duplicates"] <= kills, figures
            copies = twilio_copies(twilio)
            assert all(copies[(r.address, r.body)] <= 2 for r in rows), "more than one duplicate for one kill"
            return {**figures, "kills": kills, "killed_workers": killed_workers, "relayed": relayed,
                    "duplicates_per_kill": figures["duplicates"] / kills, "recover_seconds": round(recover, 2)}
    finally:
        if worker is not None:
            worker.stop()
        twilio.stop()


# --- c. PostgreSQL connections terminated by the server ---------------------------------------------------


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def run_postgres_drop(database_url: str, workdir: Path, referrals: int = 3) -> dict:
    """The server terminates the app's connections between requests and in the middle of an API request,
    an escalation sweep and a delivery. The interrupted piece of work fails as a whole (nothing half
    applied), the next one succeeds on a fresh connection, nothing is applied twice, and a delivery cut
    after Twilio accepted its message costs at most that one duplicate."""
    from tests.faults.harness import ConnectionKiller

    twilio = FakeTwilioApi().start()
    try:
        with private_redis() as redis, scaleout_app(database_url, workdir, redis.url,
                                                    **channel_settings(twilio)) as app:
            world = make_world(app)
            real_contacts(app)
            app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not raise into the test
            client = app.test_client()
            with app.app_context():
                killer = ConnectionKiller(db.engine)
            failed_requests = 0
            try:
                for _ in range(referrals):  # between requests: the pool's pre-ping replaces dead connections
                    killer.all_now()
                    assert send(client, world).status_code == 201
                before = _count(app, Referral), _count(app, ReferralTarget), _count(app, OutboxMessage)
                killer.arm(r"INSERT INTO referral_target")  # mid-request, after the referral row
                response = send(client, world)
                status = response.status_code
                assert 500 <= status < 600, f"a request whose connection died answered {status}"
                assert b"Traceback" not in response.data and b"AdminShutdown" not in response.data
                failed_requests += 1
                after = _count(app, Referral), _count(app, ReferralTarget), _count(app, OutboxMessage)
                assert after == before, f"half a referral was written: {before} -> {after}"
                assert send(client, world).status_code == 201  # the very next request works
                referrals += 1

                # A sweep whose connection dies as it commits (writing its timeline rows): the pass fails as
                # a whole and writes nothing; the periodic job runs again.
                due = utcnow() + timedelta(hours=3)
                killer.all_now()
                killer.arm(r"INSERT INTO target_transition")
                with app.app_context():
                    try:
                        run_sweep(due)
                        raise AssertionError("the sweep went on without its connection")
                    except OperationalError:
                        db.session.remove()
                escalated = (TargetTransition.action == "escalate",)
                assert _count(app, TargetTransition, *escalated) == 0
                assert _count(app, OutboxMessage, OutboxMessage.kind == "reminder") == 0
                # Dying while writing the step's messages: that batch rolls back, one target is postponed
                # by RETRY_AFTER, the others are applied; a later sweep applies the postponed one.
                killer.arm(r"INSERT INTO outbox_message")
                with app.app_context():
                    report = run_sweep(due)
                with app.app_context():
                    postponed = run_sweep(due + timedelta(minutes=10))
                targets = _count(app, ReferralTarget)
                assert len(report["errors"]) == 1 and postponed["applied"] == 1, (report, postponed)
                assert report["applied"] + postponed["applied"] == targets
                assert _count(app, TargetTransition, *escalated) == targets
                transitions_applied_once(app)
                with app.app_context():
                    reminders = Counter(db.session.scalars(select(OutboxMessage.target_id)
                                                           .where(OutboxMessage.kind == "reminder")))
                assert sorted(reminders.values()) == [1] * targets, reminders

                # A delivery whose connection dies while recording "sent": the row stays `sending`, the
                # relay hands it back after SENDING_TIMEOUT, and it goes out a second time (the one
                # duplicate a lost outcome can cost).
                killer.all_now()
                killer.arm(r"UPDATE outbox_message SET .*sent_at")
                run_worker(app)
                stuck = age_sending_rows(app)
                start = time.monotonic()
                relayed = run_relay(app)
                run_worker(app)
                recover = time.monotonic() - start
            finally:
                killer.close()
            rows = outbox_rows(app)
            assert {r.status for r in rows} == {SENT}, Counter(r.status for r in rows)
            figures = delivery_figures(rows, twilio)
            assert stuck == 1 and relayed >= 1
            assert figures["lost"] == 0 and figures["duplicates"] <= stuck, figures
            return {**figures, "referrals": referrals, "connections_killed": killer.killed,
                    "failed_requests": failed_requests, "sweep_errors": len(report["errors"]),
                    "recover_seconds": round(recover, 2)}
    finally:
        twilio.stop()


def run_sweep(now: datetime) -> dict:
    from notifications.sweep import sweep

    report = sweep(now)
    return {"applied": len(report.applied), "errors": report.errors}


# --- d. the fake Twilio failing 30 % of the calls ---------------------------------------------------------


FLAKY_CLIENT_TIMEOUT = 0.5  # seconds the Twilio client waits; the fake's hangs last longer


def run_flaky_twilio(database_url: str, workdir: Path, messages: int = 30, failure_rate: float = 0.3,
                     seed: int = 9) -> dict:
    """`messages` SMS while the fake Twilio answers 500, 429 or nothing (a hang past the client timeout)
    to `failure_rate` of the calls, drawn from a seeded generator. Rounds of a real RQ worker and the relay
    run until nothing is pending; between rounds the backoff waits are skipped by making the rows due.
    Every message ends `sent` exactly once, or `failed` with its reason after MAX_ATTEMPTS."""
    from notifications.delivery import MAX_ATTEMPTS

    twilio = FakeTwilioApi().start()
    try:
        with private_redis() as redis, scaleout_app(database_url, workdir, redis.url,
                                                    **channel_settings(twilio, timeout=FLAKY_CLIENT_TIMEOUT)) as app:
            contact_ids = sms_contacts(app, 5)
            twilio.fail_randomly(failure_rate, seed=seed, hang_seconds=1.0)
            start = time.monotonic()
            queue_messages(app, contact_ids, messages)
            rounds, skipped_wait = 0, timedelta(0)
            while True:
                run_worker(app)
                rounds += 1
                with app.app_context():
                    waiting = db.session.scalars(select(OutboxMessage.next_attempt_at)
                                                 .where(OutboxMessage.status == "pending")).all()
                    if not waiting:
                        break
                    assert rounds <= MAX_ATTEMPTS + 1, f"still {len(waiting)} pending after {rounds} rounds"
                    # Time passes: the longest backoff of this round is skipped, not waited for.
                    now = utcnow()
                    skipped_wait += max(max(w for w in waiting if w is not None) - now, timedelta(0))
                    db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending")
                                       .values(next_attempt_at=now))
                    db.session.commit()
                run_relay(app)
            drain = time.monotonic() - start
            twilio.fail_randomly(0)
            rows = outbox_rows(app)
            copies = twilio_copies(twilio)
            for row in rows:
                sent_copies = copies[(row.address, row.body)]
                if row.status == SENT:
                    assert sent_copies == 1, (row.id, sent_copies)
                else:
                    assert row.status == FAILED and row.last_error and row.attempts == MAX_ATTEMPTS, row.id
                    assert sent_copies == 0, (row.id, sent_copies)
            figures = delivery_figures([r for r in rows if r.status == SENT], twilio)
            failed = sum(r.status == FAILED for r in rows)
            return {**figures, "messages": len(rows), "sent": len(rows) - failed, "failed": failed,
                    "lost": messages - len(rows), "twilio_calls": len(twilio.requests), "timeouts": len(twilio.hung), "rounds": rounds,
                    "drain_seconds": round(drain, 2), "skipped_backoff_seconds": round(skipped_wait.total_seconds())}
    finally:
        twilio.stop()


# --- e. one contact's Telegram blocked --------------------------------------------------------------------


def run_telegram_blocked(database_url: str, workdir: Path, contacts: int = 3) -> dict:
    """Contacts reached by Telegram first, SMS second; the first one blocks the bot (403 for that chat
    only). Their message fails over to SMS once and their Telegram is marked unhealthy, so the next
    message goes straight to SMS; the other contacts keep receiving Telegram messages."""
    twilio, telegram = FakeTwilioApi().start(), FakeTelegramApi().start()
    try:
        with private_redis() as redis, scaleout_app(database_url, workdir, redis.url,
                                                    **channel_settings(twilio, telegram)) as app:
            contact_ids = sms_contacts(app, contacts, channels=("telegram", "sms"))
            with app.app_context():
                blocked = db.session.get(Contact, contact_ids[0])
                blocked_chat = next(c.address for c in blocked.channels if c.kind == "telegram")
                blocked_phone = next(c.address for c in blocked.channels if c.kind == "sms")
            telegram.block_chat(blocked_chat)
            for round_number in range(2):
                queue_messages(app, contact_ids, contacts, prefix=f"T{round_number}")
                run_worker(app)
            rows = outbox_rows(app)
            assert {r.status for r in rows} == {SENT, FAILED}, Counter(r.status for r in rows)
            [refused] = [r for r in rows if r.status == FAILED]
            assert refused.contact_id == contact_ids[0] and refused.channel == "telegram"
            assert "bloqu" in refused.last_error or "blocked" in refused.last_error, refused.last_error
            failover = [r for r in rows if r.failover_of_id == refused.id]
            assert [(r.channel, r.status) for r in failover] == [("sms", SENT)]
            to_blocked = [c for c in telegram.calls_to("sendMessage") if str(c.params["chat_id"]) == blocked_chat]
            assert len(to_blocked) == 1, "the blocked chat is tried once, then left alone"
            with app.app_context():
                health = {c.contact_id: c.healthy for c in db.session.scalars(
                    select(ContactChannel).where(ContactChannel.kind == "telegram"))}
            assert health == {i: i != contact_ids[0] for i in contact_ids}, health
            sms = twilio_copies(twilio)
            assert sum(sms.values()) == 2 and all(to == blocked_phone for to, _ in sms), sms
            others = len(telegram.calls_to("sendMessage")) - len(to_blocked)
            assert others == 2 * (contacts - 1), others
            return {"messages": 2 * contacts, "telegram_sent": others, "failovers": len(failover),
                    "sms_to_blocked_contact": sum(sms.values()), "blocked_chat_attempts": len(to_blocked),
                    "duplicates": sum(n - 1 for n in sms.values()), "lost": 0}
    finally:
        telegram.stop()
        twilio.stop()


# --- f. the clock jumping forward (and back) --------------------------------------------------------------

# Thursday 19 March 2026, 16:00: Friday is Korité (a holiday in the POS), then the weekend.
CLOCK_T0 = datetime(2026, 3, 19, 16, 0, tzinfo=UTC)


def run_clock_jump(database_url: str, workdir: Path, referrals: int = 2, jump: timedelta = timedelta(days=5)
                   ) -> dict:
    """Referrals at `CLOCK_T0` on a 24/7 ladder (élevé) and a working-hours one (moyen); the clock then
    jumps `jump` ahead, past the holiday and the weekend (+3 days: a Sunday, where only the 24/7 ladders
    are due; +5 days: every first deadline). One sweep applies one step per due target, exactly once (the next wait counts from now: a late sweep never fires a burst of
    steps, notifications.escalation); a second sweep at the same instant and a sweep back in time do
    nothing. Further jumps climb the ladders until the coordinator is reached, each step once, with at
    most one message per step and recipient."""
    from hub.referrals.lifecycle import AWAITING_ANSWER
    from notifications.sweep import sweep
    from tests.integration.escalation.conftest import refer
    from tests.support import dispose, make_test_app, reset_database

    app = make_test_app(database_url, workdir)
    reset_database(app)
    try:
        world = make_world(app)
        with app.app_context():
            for index in range(referrals):
                refer(world, CLOCK_T0, risk="eleve" if index % 2 == 0 else "moyen")
            originals = sorted(db.session.scalars(select(ReferralTarget.id)))
            now = CLOCK_T0 + jump
            due = sorted(db.session.scalars(select(ReferralTarget.id).where(ReferralTarget.next_action_at <= now)))
            assert due, "the jump went past no deadline"
            first = sweep(now)
            assert sorted(a.target_id for a in first.applied) == due, first.applied
            assert {a.action for a in first.applied} == {"reminder"}
            assert sweep(now).applied == [], "a second sweep at the same instant applied a step again"
            assert sweep(CLOCK_T0 + timedelta(hours=1)).applied == [], "a sweep back in time applied a step"
            assert sweep(now - timedelta(minutes=1)).applied == []
            jumps, steps = 1, len(first.applied)

            def coordinator_reached() -> bool:
                return db.session.scalar(select(func.count(func.distinct(TargetTransition.target_id))).where(
                    TargetTransition.target_id.in_(originals),
                    TargetTransition.reason_code == "coordinator")) == len(originals)

            while not coordinator_reached():
                assert jumps < 8, "the coordinator was never reached"
                waiting = db.session.scalars(select(ReferralTarget.next_action_at).where(
                    ReferralTarget.id.in_(originals), ReferralTarget.state.in_(sorted(AWAITING_ANSWER)),
                    ReferralTarget.next_action_at.is_not(None))).all()
                now = max(waiting) + jump  # well past the slowest ladder's next step
                report = sweep(now)
                assert report.applied and sweep(now).applied == [], "a step applied twice at one instant"
                jumps, steps = jumps + 1, steps + len(report.applied)
            db.session.expire_all()
            per_step = Counter(db.session.execute(select(
                OutboxMessage.target_id, OutboxMessage.kind, OutboxMessage.contact_id, OutboxMessage.user_id))
                .all())
            repeated = {key: n for key, n in per_step.items() if n > 1}
            assert not repeated, f"more than one message per step and recipient: {repeated}"
            messages = sum(per_step.values())
        transitions = transitions_applied_once(app)
        return {"referrals": referrals, "jumps": jumps, "steps_applied": steps, "transitions": transitions,
                "messages": messages, "duplicates": 0, "lost": 0}
    finally:
        dispose(app)
