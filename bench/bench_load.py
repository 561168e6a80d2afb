"""Issue 9, end-to-end load: 2,000 referrals through the API while providers answer by SMS and Telegram.

Scale-out mode for real (bench/scaleout.py): gunicorn x2 on `hub:create_app()`, 2 RQ workers
(`hub.worker.SiraWorker`, with scheduler), one `rq cron hub/cron_config.py` (sweeps every minute, outbox
relay every 15 s, watchdog), a fresh PostgreSQL database, Redis DB 8, the fake Twilio and Telegram APIs on
loopback. Every provider contact is made non-demo so its messages really go to the fakes; contacts that
have a Telegram chat get it as their first channel.

Load: up to REFERRALS (2,000) referrals within CREATE_BUDGET seconds (300; on 2 shared cores about 2
referrals/s get through, so the budget is what ends the run there): K client threads (closed loop) POST
/api/v1/referrals, STEP_SECONDS at each K of K_STEPS, then the rest at the K that gave the most
referrals/s. Meanwhile a "provider" thread watches the fakes: each new-referral SMS is answered
"OUI <code>" from the recipient's phone (Twilio-signed webhook), each Telegram message by pressing its
"Accepter" button (callback_query update); every REPLAY_EVERY-th answer is sent twice (same MessageSid /
update_id) as providers' retries do.

Sweeps: the real `rq cron` process runs them every minute during the load (with the shipped POS no
deadline falls due within minutes, so they find nothing to escalate; the printed counts say how many ran).

Verified after the system drains (figures with target 0): every referral routed and every target told;
every SMS / Telegram outbox row delivered exactly once to its fake (matched by provider message id) or
failed with a reason; every answer applied once (one accept per answered target, replays change nothing).
"""

from __future__ import annotations

import itertools
import os
import queue
import re
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from urllib.parse import urlencode

from bench import Figure, p50, percentile
from bench.scaleout import QUEUE_NAME, TELEGRAM_SECRET, ServiceUnreachable, Stack, scaleout_stack

REDIS_URL = os.environ.get("SIRA_BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/8")
REFERRALS = int(os.environ.get("SIRA_BENCH_LOAD_REFERRALS", "2000"))
CREATE_BUDGET = float(os.environ.get("SIRA_BENCH_LOAD_SECONDS", "600"))  # room for 2,000 at ~4 per second
K_STEPS = (1, 2, 4, 8)
STEP_SECONDS = 15.0
# Providers are many people answering at once: enough threads that answers keep pace with the referrals
# (about 2.7 answers each) rather than piling up behind the creating clients.
REPLY_THREADS = 24
REPLAY_EVERY = 10
DRAIN_TIMEOUT = 180.0
BASELINE_SECONDS = 3.0

CASEWORKER_ORGS = ("Samusocial Mali", "Tdh", "ENDA Mali", "Plan International")
RISKS = ("urgence", "eleve", "moyen", "faible")
NEEDS = ("hebergement", "soins_medicaux", "soutien_psychosocial", "assistance_juridique", "rrf",
         "documentation", "education", "protection_etat")
QUARTIERS = ("Niamakoro", "Sogoniko", "Korofina", "Lafiabougou", "Bagadadji", "Hamdallaye")
NEW_REFERRAL_SMS = re.compile(r"^Sira: (?:nouvelle orientation|new referral) (\S+) \(")
ENDPOINTS = ("referral create", "SMS webhook", "Telegram webhook")


# --- set-up ---------------------------------------------------------------------------------------

def prepare(app) -> dict:
    """Demo directory with real (non-demo) contacts, Telegram first where linked; caseworkers with tokens."""
    from sqlalchemy import select

    from directory.demo import load_demo_directory
    from directory.models import Contact, Organisation
    from hub.auth.models import ApiToken
    from hub.auth.service import create_user
    from hub.extensions import db

    load_demo_directory()
    telegram_first = 0
    for contact in db.session.scalars(select(Contact)):
        contact.demo = False
        channels = sorted(contact.channels, key=lambda c: c.position)
        linked = [c for c in channels if c.kind == "telegram"]
        if linked:
            telegram_first += 1
            for position, channel in enumerate(linked + [c for c in channels if c.kind != "telegram"]):
                channel.position = position + 100  # positions are unique per contact: move out of the way
            db.session.flush()
            for channel in channels:
                channel.position -= 100
    orgs = {o.acronym: o for o in db.session.scalars(select(Organisation))}
    tokens = []
    for index, acronym in enumerate(CASEWORKER_ORGS):
        user = create_user(f"caseworker{index}@bench.sira.invalid", f"caseworker{index}", "caseworker",
                           orgs[acronym].id, None)
        db.session.flush()
        token, plain = ApiToken.issue(user, "bench")
        db.session.add(token)
        tokens.append(plain)
    db.session.commit()
    return {"tokens": tokens, "telegram_contacts": telegram_first,
            "contacts": len(db.session.scalars(select(Contact.id)).all())}


def referral_payload(index: int) -> dict:
    return {
        "child": {"given_name": f"Enfant{index}", "family_name": "Charge-Test", "age_years": 8 + index % 10,
                  "sex": ("female", "male")[index % 2], "unaccompanied": True, "status": "migrant",
                  "nationality": "GN", "quartier": QUARTIERS[index % len(QUARTIERS)],
                  "languages": ["fr", "bm"],
                  "narrative": f"Récit confidentiel numéro {index}", "phone": "+22370999999"},
        "risk_level": RISKS[index % len(RISKS)],
        "needs": [NEEDS[(index // len(RISKS)) % len(NEEDS)]],
        "consent": {"kind": "assent", "given_by": "child", "method": "oral"},
    }


# --- load -----------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)  # referral code -> targets in the 201 answer
    failures: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {e: [] for e in ENDPOINTS})
    healthz_ms: list[float] = field(default_factory=list)
    healthz_rate: float = 0.0
    rate_by_k: dict[int, float] = field(default_factory=dict)
    chosen_k: int = 0
    main_rate: float = 0.0
    replies: set[tuple] = field(default_factory=set)  # (channel, address, code, target id for a button)
    answered: set[tuple] = field(default_factory=set)  # the replies whose webhook answered 200
    replays: int = 0
    reply_failures: list[str] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    drain_seconds: float = 0.0
    drained: bool = False
    load_seconds: float = 0.0
    violations: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _closed_loop(next_index, threads: int, send, deadline: float) -> tuple[int, float]:
    """`threads` clients, each sending its next item as soon as its last one is answered, until the items
    run out or `deadline` (perf_counter) passes; returns (items sent, seconds)."""
    import requests

    sent, lock = [0], threading.Lock()

    def worker(number: int):
        session = requests.Session()
        while time.perf_counter() < deadline:
            index = next_index()
            if index is None:
                return
            send(session, number, index)
            with lock:
                sent[0] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sent[0], time.perf_counter() - started


def _healthz_baseline(stack: Stack, result: LoadResult, threads: int, seconds: float) -> None:
    import requests

    stop, lock = threading.Event(), threading.Lock()
    count = [0]

    def worker():
        session = requests.Session()
        while not stop.is_set():
            start = time.perf_counter()
            response = session.get(f"{stack.base_url}/healthz", timeout=30)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                if response.status_code == 200:  # a 503 (a component down) is not a baseline
                    count[0] += 1
                    result.healthz_ms.append(elapsed)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    result.healthz_rate = count[0] / (time.perf_counter() - started)


class Providers:
    """The providers' side: watches the fakes and answers each new referral once (some answers twice)."""

    def __init__(self, stack: Stack, result: LoadResult, threads: int = REPLY_THREADS,
                 replay_every: int = REPLAY_EVERY):
        self.stack, self.result, self.replay_every = stack, result, replay_every
        self.work: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sms_cursor = self.telegram_cursor = 0
        self.sequence = itertools.count(1)
        self.update_ids = itertools.count(500_000)
        self.threads = [threading.Thread(target=self._watch, name="providers-watch", daemon=True)]
        self.threads += [threading.Thread(target=self._answer, name=f"providers-{n}", daemon=True)
                         for n in range(threads)]
        from twilio.request_validator import RequestValidator

        self.validator = RequestValidator(stack.env["TWILIO_AUTH_TOKEN"])
        self.sms_url = stack.env["SIRA_PUBLIC_URL"] + "/webhooks/twilio/sms"

    def start(self) -> Providers:
        for thread in self.threads:
            thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def caught_up(self) -> bool:
        """Every message the fakes hold has been read and every answer is sent."""
        with self.stack.twilio.lock:
            sms = len(self.stack.twilio.messages)
        with self.stack.telegram.lock:
            telegram = len(self.stack.telegram.calls)
        return self.sms_cursor >= sms and self.telegram_cursor >= telegram and self.work.unfinished_tasks == 0

    # watching the fakes
    def _watch(self) -> None:
        while not self.stop.is_set():
            found = self._scan_sms() + self._scan_telegram()
            if not found:
                time.sleep(0.05)

    def _scan_sms(self) -> int:
        fake = self.stack.twilio
        with fake.lock:
            fresh = fake.messages[self.sms_cursor:]
        self.sms_cursor += len(fresh)
        for message in fresh:
            match = NEW_REFERRAL_SMS.match(message.get("Body", ""))
            if match:
                self._queue("sms", message["To"], match[1], None)
        return len(fresh)

    def _scan_telegram(self) -> int:
        fake = self.stack.telegram
        with fake.lock:
            fresh = fake.calls[self.telegram_cursor:]
        taken = 0
        for call in fresh:
            if call.method == "sendMessage" and "_message_id" not in call.params:
                break  # still being answered by the fake: come back to it
            taken += 1
            markup = call.params.get("reply_markup") or {}
            if call.method != "sendMessage" or not isinstance(markup, dict):
                continue
            buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
            accept = next((b["callback_data"] for b in buttons
                           if b.get("callback_data", "").startswith("a:")), None)
            if accept:
                code = accept.split(":")[1]
                self._queue("telegram", str(call.params["chat_id"]), code,
                            (accept, call.params["_message_id"], call.params.get("text", "")))
        self.telegram_cursor += taken
        return taken

    def _queue(self, channel: str, address: str, code: str, extra) -> None:
        # "OUI <code>" answers for every target of the sender's organisation in that referral; a button
        # for its own target only (a referral may address one organisation twice, for two services).
        target_id = int(extra[0].rsplit(":", 1)[1]) if channel == "telegram" else None
        key = (channel, address, code, target_id)
        with self.lock:
            if key in self.result.replies:  # a reminder of a referral already answered: say nothing
                return
            self.result.replies.add(key)
        self.work.put((key, extra))

    # answering
    def _answer(self) -> None:
        import requests

        session = requests.Session()
        while not self.stop.is_set():
            try:
                key, extra = self.work.get(timeout=0.1)
            except queue.Empty:
                continue
            channel, address, code, _ = key
            try:
                url, body, headers = (self._sms(address, code) if channel == "sms"
                                      else self._button(address, *extra))
                replay = next(self.sequence) % self.replay_every == 0
                for attempt in range(2 if replay else 1):
                    start = time.perf_counter()
                    response = session.post(f"{self.stack.base_url}{url}", data=body, headers=headers,
                                            timeout=60)
                    elapsed = (time.perf_counter() - start) * 1000
                    with self.lock:
                        if response.status_code != 200:
                            self.result.reply_failures.append(
                                f"{channel} {code}: HTTP {response.status_code}")
                        elif attempt == 0:
                            self.result.answered.add(key)
                            self.result.latencies["SMS webhook" if channel == "sms" else "Telegram webhook"
                                                  ].append(elapsed)
                        else:
                            self.result.replays += 1
            except Exception as error:  # noqa: BLE001  (recorded: a verification failure, not a crash)
                with self.lock:
                    self.result.reply_failures.append(f"{channel} {code}: {type(error).__name__}: {error}")
            finally:
                self.work.task_done()

    def _sms(self, phone: str, code: str):
        env = self.stack.env
        form = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": env["TWILIO_ACCOUNT_SID"], "From": phone,
                "To": env["TWILIO_FROM"], "Body": f"OUI {code}", "NumMedia": "0"}
        headers = {"X-Twilio-Signature": self.validator.compute_signature(self.sms_url, form),
                   "Content-Type": "application/x-www-form-urlencoded"}
        return "/webhooks/twilio/sms", urlencode(form).encode(), headers

    def _button(self, chat_id: str, data: str, message_id: int, text: str):
        import json

        chat = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        update = {"update_id": next(self.update_ids), "callback_query": {
            "id": uuid.uuid4().hex, "chat_instance": "bench", "data": data,
            "from": {"id": chat, "is_bot": False, "first_name": "Prestataire"},
            "message": {"message_id": message_id, "date": int(time.time()), "text": text,
                        "chat": {"id": chat, "type": "private", "first_name": "Prestataire"}}}}
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        return "/webhooks/telegram", json.dumps(update).encode(), headers


def _create_sender(stack: Stack, result: LoadResult):
    lock = threading.Lock()
    tokens = stack.info["tokens"]

    def send(session, number: int, index: int) -> None:
        start = time.perf_counter()
        headers = {"Authorization": f"Bearer {tokens[number % len(tokens)]}"}
        response = session.post(f"{stack.base_url}/api/v1/referrals", json=referral_payload(index),
                                headers=headers, timeout=60)
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            if response.status_code == 201:
                body = response.json()
                result.created[body["code"]] = len(body.get("targets") or [])
                result.latencies["referral create"].append(elapsed)
            else:
                result.failures.append(f"referral {index}: HTTP {response.status_code} {response.text[:200]}")

    return send


def _quiet(stack: Stack, providers: Providers) -> bool:
    """Nothing left to do anywhere: answers sent, outbox rows final, RQ idle, no target awaiting."""
    from rq import Queue
    from rq.registry import StartedJobRegistry
    from sqlalchemy import func, select

    from hub.extensions import db
    from hub.referrals import lifecycle
    from hub.referrals.models import ReferralTarget
    from notifications.outbox import PENDING, SENDING, OutboxMessage

    if not providers.caught_up():
        return False
    rq_queue = Queue(QUEUE_NAME, connection=stack.redis)
    if rq_queue.count or StartedJobRegistry(queue=rq_queue).count:
        return False
    with stack.app.app_context():
        try:
            busy = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.status.in_((PENDING, SENDING))))
            waiting = db.session.scalar(select(func.count()).select_from(ReferralTarget)
                                        .where(ReferralTarget.state.in_(list(lifecycle.AWAITING_ANSWER))))
        finally:
            db.session.remove()
    return busy == 0 and waiting == 0


def _indexes(total: int):
    """A thread-safe supplier of referral numbers 0 .. total-1, then None."""
    numbers, lock = iter(range(total)), threading.Lock()

    def next_index():
        with lock:
            return next(numbers, None)

    return next_index


def _sample(stack: Stack, result: LoadResult, stop: threading.Event) -> None:
    """Every second the RQ queue's depth; every five the last escalation sweep (run by `rq cron`)."""
    from rq import Queue
    from sqlalchemy import select

    from hub.extensions import db
    from hub.heartbeat import PeriodicRun

    rq_queue, sweeps = Queue(QUEUE_NAME, connection=stack.redis), set()
    for tick in itertools.count():
        if stop.wait(1.0):
            return
        result.counts["max RQ queue depth"] = max(result.counts.get("max RQ queue depth", 0), rq_queue.count)
        if tick % 5 == 0:
            with stack.app.app_context():
                try:
                    sweeps.add(db.session.scalar(select(PeriodicRun.last_run_at)
                                                 .where(PeriodicRun.name == "escalations_sweep")))
                finally:
                    db.session.remove()
            result.counts["escalation sweeps seen"] = len(sweeps - {None})


def run_load(stack: Stack, total: int, *, budget: float = CREATE_BUDGET, k_steps: tuple[int, ...] = K_STEPS,
             step_seconds: float = STEP_SECONDS, replay_every: int = REPLAY_EVERY,
             drain_timeout: float = DRAIN_TIMEOUT, baseline_seconds: float = BASELINE_SECONDS) -> LoadResult:
    """Create up to `total` referrals within `budget` seconds (a short closed-loop step at each K of
    `k_steps`, then the rest at the best K), answer them as providers, wait for the system to drain,
    verify."""
    result = LoadResult()
    _healthz_baseline(stack, result, max(k_steps), baseline_seconds)
    providers = Providers(stack, result, replay_every=replay_every).start()
    stop_sampling = threading.Event()
    threading.Thread(target=_sample, args=(stack, result, stop_sampling), daemon=True).start()
    send, next_index = _create_sender(stack, result), _indexes(total)
    load_start = time.perf_counter()
    end = load_start + budget
    try:
        for threads in k_steps:
            step_end = min(end, time.perf_counter() + step_seconds)
            count, seconds = _closed_loop(next_index, threads, send, step_end)
            if count:
                result.rate_by_k[threads] = count / seconds
        result.chosen_k = max(result.rate_by_k, key=result.rate_by_k.get)
        count, seconds = _closed_loop(next_index, result.chosen_k, send, end)
        result.main_rate = count / seconds if count else result.rate_by_k[result.chosen_k]
        created_at = time.perf_counter()
        result.load_seconds = created_at - load_start
        result.counts["answers queued when creation stopped"] = providers.work.unfinished_tasks
        deadline = created_at + drain_timeout
        calm = 0
        while time.perf_counter() < deadline:
            calm = calm + 1 if _quiet(stack, providers) else 0
            if calm >= 2:  # twice in a row, half a second apart: not a gap between two jobs
                result.drained = True
                break
            time.sleep(0.5)
        result.drain_seconds = time.perf_counter() - created_at
    finally:
        stop_sampling.set()
        providers.close()
    verify(stack, result)
    return result


# --- verification -----------------------------------------------------------------------------------

def verify(stack: Stack, result: LoadResult) -> None:
    """Fill result.violations (name -> examples) and result.counts from the database and the fakes."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import selectinload

    from directory.models import Contact, ContactChannel
    from hub.extensions import db
    from hub.referrals.models import Referral, TargetTransition
    from hub.webhooks.models import ProcessedInbound
    from notifications.outbox import DELIVERED, FAILED, SENT, OutboxMessage

    violations = {"routing": [], "delivery": [], "replies": []}
    result.lags = []
    with stack.twilio.lock:
        sms = list(stack.twilio.messages)
    with stack.telegram.lock:
        telegram = [c.params for c in stack.telegram.calls if c.method == "sendMessage"]
        callbacks = len([c for c in stack.telegram.calls if c.method == "answerCallbackQuery"])
    at_fake = {("sms", m["sid"]): m for m in sms}
    at_fake.update({("telegram", f"{p['chat_id']}:{p.get('_message_id')}"): p for p in telegram})

    with stack.app.app_context():
        try:
            referrals = {r.code: r for r in db.session.scalars(
                select(Referral).options(selectinload(Referral.targets)))}
            outbox = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
            accepts = Counter(db.session.scalars(select(TargetTransition.target_id)
                                                 .where(TargetTransition.action == "accept")))
            organisation_of = dict(db.session.execute(
                select(ContactChannel.kind + ":" + ContactChannel.address, Contact.organisation_id)
                .join(Contact, Contact.id == ContactChannel.contact_id)).all())
            acted_inbound = db.session.scalar(select(func.count()).select_from(ProcessedInbound)
                                              .where(ProcessedInbound.outcome == "acted"))
            targets = {t.id: t for r in referrals.values() for t in r.targets}
            code_of = {t.id: r.code for r in referrals.values() for t in r.targets}

            # 1. every referral routed, every target told
            for failure in result.failures:
                violations["routing"].append(failure)
            for code, count in result.created.items():
                if code not in referrals or not referrals[code].targets or count == 0:
                    violations["routing"].append(f"{code}: no target")
            told = {m.target_id for m in outbox if m.kind == "new_referral"}
            violations["routing"] += [f"target {t} of {code_of[t]}: no new-referral message"
                                      for t in targets if t not in told]

            # 2. every outbox row to a provider delivered exactly once, or failed with a reason
            matched = set()
            simulated = failed = 0
            for message in outbox:
                if message.status in (SENT, DELIVERED) and message.simulated:
                    simulated += 1
                    continue
                if message.status == FAILED:
                    failed += 1
                    if not message.last_error:
                        violations["delivery"].append(f"outbox {message.id}: failed without a reason")
                    continue
                if message.status not in (SENT, DELIVERED):
                    violations["delivery"].append(f"outbox {message.id} ({message.channel}): still "
                                                  f"{message.status}, {message.last_error or 'no error'}")
                    continue
                key = (message.channel, message.provider_message_id)
                if key not in at_fake:
                    violations["delivery"].append(f"outbox {message.id}: sent but not at the fake {key}")
                    continue
                matched.add(key)
                arrived = at_fake[key].get("received_at") or at_fake[key].get("_received_at")
                result.lags.append(arrived - message.created_at.astimezone(UTC).timestamp())
            for key in at_fake.keys() - matched:
                violations["delivery"].append(f"{key[0]} message at the fake matches no outbox row "
                                              f"(a duplicate): {key[1]}")
            texts = Counter((m["To"], m["Body"]) for m in sms)
            texts.update((str(p["chat_id"]), p.get("text")) for p in telegram)
            violations["delivery"] += [f"sent {n} times to {to}: {body[:60]}"
                                       for (to, body), n in texts.items() if n > 1]

            # 3. every answer applied once, replays nothing
            answered = set()
            for channel, address, code, target_id in result.answered:
                organisation = organisation_of.get(f"{channel}:{address}")
                referral = referrals.get(code)
                mine = [t.id for t in (referral.targets if referral else [])
                        if t.organisation_id == organisation and target_id in (None, t.id)]
                if not mine:
                    violations["replies"].append(
                        f"{channel} answer from {address} for {code}: no such target")
                answered.update(mine)
            for target_id in answered:
                if accepts[target_id] != 1:
                    violations["replies"].append(f"target {target_id} of {code_of[target_id]}: "
                                                 f"{accepts[target_id]} accept transitions for one answer")
            violations["replies"] += [f"target {t}: accepted without an answer" for t in accepts
                                      if t not in answered]
            violations["replies"] += [f"target {t} of {code_of[t]}: still {targets[t].state}"
                                      for t in targets if t in told and targets[t].state != "accepted"]
            violations["replies"] += result.reply_failures
            telegram_answers = sum(1 for reply in result.answered if reply[0] == "telegram")
            if callbacks != telegram_answers:
                violations["replies"].append(f"{callbacks} button presses answered for {telegram_answers} "
                                             "pressed (replays must not be answered again)")
            if acted_inbound != len(result.answered):
                violations["replies"].append(f"{acted_inbound} inbound events acted on for "
                                             f"{len(result.answered)} distinct answers")
            if not result.drained:
                violations["delivery"].append(f"not drained after {result.drain_seconds:.0f} s")
        finally:
            db.session.remove()
    result.violations = violations
    result.counts.update({
        "referrals": len(result.created), "targets": len(targets), "outbox rows": len(outbox),
        "SMS at fake": len(sms), "Telegram at fake": len(telegram), "simulated (e-mail)": simulated,
        "failed with reason": failed, "answers": len(result.answered),
        "answers never sent": len(result.replies - result.answered), "replays": result.replays,
        "accepted targets": len(accepts), "inbound acted": acted_inbound,
    })


# --- report -------------------------------------------------------------------------------------------

def latency_table(result: LoadResult) -> str:
    lines = [f"{'endpoint':20} {'n':>6} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}"]
    for name, samples in [("GET /healthz (idle)", result.healthz_ms)] + list(result.latencies.items()):
        if samples:
            p99 = percentile(samples, 0.99)
            lines.append(f"{name:20} {len(samples):>6} {p50(samples):>9.1f} {p99:>9.1f} {max(samples):>9.1f}")
    return "\n".join(lines)


def figures(result: LoadResult, label: str, requested: int) -> list[Figure]:
    """Targets: a referral costs far more than a health check (routing, encryption, audit chain, outbox);
    >= 1% of its rate flags a several-fold regression. Webhook p99 stays well under the 15 s after which
    Twilio gives up on a webhook (error 11200). Messages reach the provider within minutes of the change."""
    health50, health99 = p50(result.healthz_ms), percentile(result.healthz_ms, 0.99)
    ks = ", ".join(f"K={k}: {rate:.1f}/s" for k, rate in result.rate_by_k.items())
    out = [Figure(f"load: referrals created/s, {label}", result.main_rate, result.healthz_rate, "ref/s", 0.01,
                  "min_ratio", f"{len(result.created)} of {requested} referrals in "
                  f"{result.load_seconds:.0f} s; closed loop K={result.chosen_k} ({ks}); "
                  "baseline GET /healthz req/s, same gunicorn, idle")]
    targets = {"referral create": (2000, 5000), "SMS webhook": (1000, 5000), "Telegram webhook": (1000, 5000)}
    for name in ENDPOINTS:
        samples = result.latencies[name] or [float("nan")]
        low, high = targets[name]
        out.append(Figure(f"load: {name} p50", p50(samples), health50, "ms", low, "max",
                          f"n={len(samples)}; baseline GET /healthz idle"))
        out.append(Figure(f"load: {name} p99", percentile(samples, 0.99), health99, "ms", high, "max"))
    lags = result.lags or [float("nan")]
    out.append(Figure("load: queue lag p50 (outbox row -> fake)", p50(lags), 0.0, "s", 30, "max",
                      f"{len(result.lags)} messages"))
    out.append(Figure("load: queue lag p99 (outbox row -> fake)", percentile(lags, 0.99), 0.0, "s", 120,
                      "max"))
    out.append(Figure("load: time to drain after the last create", result.drain_seconds, result.load_seconds,
                      "s", 120, "max", "baseline: time spent creating"
                      + ("" if result.drained else "; NOT drained")))
    notes = {"routing": "every referral routed, every target told",
             "delivery": "every SMS/Telegram row at its fake exactly once, or failed with a reason",
             "replies": "one accept per answer; replays change nothing"}
    for name, found in result.violations.items():
        out.append(Figure(f"load: violations, {name}", len(found), 0, "n", 0, "max",
                          notes[name] + (f"; e.g. {found[0]}" if found else "")))
    return out


def run() -> list[Figure]:
    try:
        with scaleout_stack(REDIS_URL, prepare) as stack:
            result = run_load(stack, REFERRALS)
    except ServiceUnreachable as error:
        print(f"bench_load skipped: {error}", file=sys.stderr)
        return []
    print(f"\nbench_load: {', '.join(f'{k} {v}' for k, v in result.counts.items())}")
    print(latency_table(result), flush=True)
    for name, found in result.violations.items():
        for example in found[:5]:
            print(f"  violation ({name}): {example}")
    return figures(result, "gunicorn x2, 2 RQ workers, PostgreSQL", REFERRALS)
