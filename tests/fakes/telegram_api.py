"""A fake Telegram Bot API server on loopback: python-telegram-bot talks HTTP to it.

POST /bot<token>/<method> for getMe, sendMessage, answerCallbackQuery, editMessageReplyMarkup,
editMessageText, setWebhook, deleteWebhook; every call is recorded with its decoded parameters.
`fail_next(method, ...)` answers like Telegram does: 403 bot blocked, 429 with retry_after, 400 chat not
found, 500. `block_chat(chat_id)` answers every later sendMessage to that chat alone with 403 "bot was
blocked by the user", as Telegram does once a user blocks the bot.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from tests.fakes.http_base import LoopbackServer, QuietHandler

BOT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijkl"
BOT_ID = 123456789

_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
}


@dataclass
class Failure:
    method: str
    status: int
    description: str | None = None
    retry_after: int | None = None
    hang_seconds: float | None = None


@dataclass
class Call:
    method: str
    params: dict


class FakeTelegramApi(LoopbackServer):
    def __init__(self, token: str = BOT_TOKEN):
        self.token = token
        self.calls: list[Call] = []
        self._failures: list[Failure] = []
        self.blocked_chats: set[str] = set()
        self._message_ids = itertools.count(1000)
        super().__init__()

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE should be set to (the adapter appends "/bot")."""
        return self.url

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def fail_next(self, method: str = "sendMessage", *, status: int = 403, description: str | None = None,
                  retry_after: int | None = None, count: int = 1) -> None:
        with self.lock:
            self._failures += [Failure(method, status, description, retry_after) for _ in range(count)]

    def block_chat(self, chat_id: int | str) -> None:
        with self.lock:
            self.blocked_chats.add(str(chat_id))

    def hang_next(self, method: str = "sendMessage", *, seconds: float = 5.0) -> None:
        with self.lock:
            self._failures.append(Failure(method, 0, hang_seconds=seconds))

    def _take_failure(self, method: str) -> Failure | None:
        with self.lock:
            for index, failure in enumerate(self._failures):
                if failure.method == method:
                    return self._failures.pop(index)
        return None

    def _message(self, params: dict, text: str | None = None) -> dict:
        chat_id = params.get("chat_id")
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            pass
        message = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Sira", "username": "SiraTestBot"},
            "text": text if text is not None else params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    class handler_class(QuietHandler):  # noqa: N801
        def do_POST(self):
            fake: FakeTelegramApi = self.server.fake
            body = self.read_body()
            prefix = f"/bot{fake.token}/"
            if not self.path.startswith(prefix):
                return self._answer(401, error="Unauthorized")
            method = self.path[len(prefix):]
            params = self._params(body)
            with fake.lock:
                fake.calls.append(Call(method, params))
            if method == "sendMessage" and str(params.get("chat_id")) in fake.blocked_chats:
                return self._answer(403, error=_DESCRIPTIONS[403])
            failure = fake._take_failure(method)
            if failure and failure.hang_seconds:
                fake.release.wait(failure.hang_seconds)
                return self._answer(500, error="hung")
            if failure:
                description = failure.description or _DESCRIPTIONS.get(failure.status, "Error").format(
                    retry_after=failure.retry_after)
                parameters = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
                return self._answer(failure.status, error=description, parameters=parameters)
            if method == "getMe":
                return self._answer(200, {"id": BOT_ID, "is_bot": True, "first_name": "Sira",
                                          "username": "SiraTestBot", "can_join_groups": False,
                                          "can_read_all_group_messages": False,
                                          "supports_inline_queries": False})
            if method == "sendMessage":
                if not params.get("chat_id") or not params.get("text"):
                    return self._answer(400, error="Bad Request: message text is empty")
                return self._answer(200, fake._message(params))
            if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
                return self._answer(200, True)
            if method in ("editMessageText", "editMessageReplyMarkup"):
                return self._answer(200, fake._message(params, text=params.get("text", "edited")))
            return self._answer(404, error="Not Found: method not found")

        @staticmethod
        def _params_from(pairs: dict) -> dict:
            params = {}
            for key, value in pairs.items():
                if isinstance(value, str) and value[:1] in "{[":
                    try:
                        value = json.loads(value)  # nested values (reply_markup) are JSON-encoded
                    except ValueError:
                        pass
                params[key] = value
            return params

        def _params(self, body: bytes) -> dict:
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("application/json"):
                return json.loads(body or b"{}")
            if content_type.startswith("multipart/form-data"):
                raise NotImplementedError("multipart uploads are not faked")
            return self._params_from({k: v[0] for k, v in parse_qs(body.decode()).items()})

        def _answer(self, status: int, result=None, *, error: str | None = None, parameters=None):
            if error is None:
                payload = {"ok": True, "result": result}
            else:
                payload = {"ok": False, "error_code": status, "description": error}
                if parameters:
                    payload["parameters"] = parameters
            try:
                self.respond(status, json.dumps(payload).encode())
            except (BrokenPipeError, ConnectionResetError):
                pass
