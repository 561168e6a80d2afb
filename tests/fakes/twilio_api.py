"""A fake Twilio REST API on loopback: the real `twilio` SDK talks HTTP to it.

Implements POST /2010-04-01/Accounts/{sid}/Messages.json (form-encoded, HTTP Basic sid:token) and records
every accepted message. `fail_next(...)` makes the next calls fail like Twilio does: a 500, a 429 with
Retry-After, a 400 with a Twilio error code (21211 invalid number, 21610 opted out), or a hang longer
than the client's timeout. `hang_next(accept=True)` first accepts the message and then hangs: Twilio
took it but the answer never came back (the one case where retrying sends a duplicate).
`fail_randomly(rate, seed)` makes that fraction of later calls fail with a 500, a 429 or a hang, drawn
from a seeded generator so a run can be repeated (fault-injection tests).
"""

from __future__ import annotations

import base64
import json
import random
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from tests.fakes.http_base import LoopbackServer, QuietHandler

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-fA-F]{32})/Messages\.json$")

TWILIO_ERRORS = {
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}


@dataclass
class Failure:
    status: int
    code: int | None = None
    retry_after: int | None = None
    hang_seconds: float | None = None
    accept_first: bool = False  # record the message as accepted, then hang (the answer is lost)


class FakeTwilioApi(LoopbackServer):
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict] = []  # accepted messages: the form fields plus "sid"
        self.requests: list[dict] = []  # every call, including the failed ones
        self._failures: list[Failure] = []
        self._random_failures: tuple[float, random.Random, float] | None = None  # (rate, generator, hang s)
        self.hung: list[dict] = []  # calls that were told to hang, as they arrived
        super().__init__()

    def fail_next(self, count: int = 1, *, status: int = 500, code: int | None = None,
                  retry_after: int | None = None) -> None:
        with self.lock:
            self._failures += [Failure(status, code, retry_after) for _ in range(count)]

    def hang_next(self, count: int = 1, *, seconds: float = 5.0, accept: bool = False) -> None:
        with self.lock:
            self._failures += [Failure(0, hang_seconds=seconds, accept_first=accept) for _ in range(count)]

    def fail_randomly(self, rate: float, *, seed: int = 0, hang_seconds: float = 1.0) -> None:
        """From now on, fail `rate` of the calls (not queued by fail_next/hang_next): a third each 500,
        429 (Retry-After 1) and a hang of `hang_seconds`. `rate=0` stops it."""
        with self.lock:
            self._random_failures = (rate, random.Random(seed), hang_seconds) if rate else None

    def _next_failure(self) -> Failure | None:
        with self.lock:
            if self._failures:
                return self._failures.pop(0)
            if self._random_failures is None:
                return None
            rate, generator, hang_seconds = self._random_failures
            if generator.random() >= rate:
                return None
            return generator.choice([Failure(500), Failure(429, retry_after=1),
                                     Failure(0, hang_seconds=hang_seconds)])

    class handler_class(QuietHandler):  # noqa: N801
        def do_POST(self):
            fake: FakeTwilioApi = self.server.fake
            body = self.read_body()
            match = _MESSAGES_PATH.match(self.path)
            if not match:
                return self._error(404, 20404, "The requested resource was not found")
            if not self._authorised(fake, match["sid"]):
                return self._error(401, 20003, "Authenticate")
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
            with fake.lock:
                fake.requests.append(form)
            failure = fake._next_failure()
            if failure and failure.hang_seconds:
                with fake.lock:
                    fake.hung.append(form)
                    if failure.accept_first:
                        fake.messages.append({**form, "sid": "SM" + uuid.uuid4().hex})
                fake.release.wait(failure.hang_seconds)
                return self._error(503, None, "hung")
            if failure:
                headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
                code = failure.code or (20429 if failure.status == 429 else 20500)
                message = TWILIO_ERRORS.get(code, "Fake Twilio failure")
                return self._error(failure.status, code, message, headers)
            if not form.get("To") or not form.get("Body"):
                return self._error(400, 21604, "A 'To' phone number and a 'Body' are required.")
            if not form.get("From") and not form.get("MessagingServiceSid"):
                return self._error(400, 21603, "A 'From' phone number is required.")
            sid = "SM" + uuid.uuid4().hex
            with fake.lock:
                fake.messages.append({**form, "sid": sid})
            now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
            self.respond(201, json.dumps({
                "sid": sid, "account_sid": fake.account_sid, "to": form["To"], "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"],
                "status": "queued", "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
                "date_created": now, "date_updated": now, "date_sent": None, "error_code": None,
                "error_message": None, "price": None, "price_unit": "USD",
                "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{sid}.json",
            }).encode())

        def _authorised(self, fake: FakeTwilioApi, sid: str) -> bool:
            expected = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
            return sid == fake.account_sid and self.headers.get("Authorization") == f"Basic {expected}"

        def _error(self, status: int, code: int | None, message: str, headers: dict | None = None):
            body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}
            try:
                self.respond(status, json.dumps(body).encode(), headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)
