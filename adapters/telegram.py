"""Telegram through python-telegram-bot 22 (asyncio), called from sync jobs and views.

PTB is asyncio only, and a Bot must stay on the event loop it was initialised on (TECHNOTES.md). Each
adapter therefore owns one event loop on a daemon thread, initialises its Bot there once (one getMe), and
sync callers submit coroutines to it. `asyncio.run()` in the caller's thread is not an option: it fails
whenever that thread already runs a loop (a Playwright-driven test, an async server).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import os
import threading
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from adapters.base import (
    ButtonPress,
    ChannelAdapter,
    DeliveryError,
    InboundEvent,
    InboundRequest,
    InboundText,
    OutboundMessage,
    PermanentError,
    RecipientUnreachable,
    RetryableError,
    SendResult,
    Throttled,
    refuse_demo_recipient,
)
from adapters.settings import TelegramSettings

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CALLBACK_DATA_BYTES = 64
# BadRequest descriptions that mean the chat itself is gone, not that our request was malformed.
_UNREACHABLE_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")


class TelegramAdapter(ChannelAdapter):
    channel = "telegram"

    def __init__(self, settings: TelegramSettings):
        self.settings = settings
        # Building an SSL context reads the CA bundle (~60 ms): do it once, not per call and per client.
        self._ssl_context = httpx.create_ssl_context()
        self._bot: Bot | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_pid: int | None = None
        self._lock = threading.Lock()

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """This adapter's loop thread, started on first use (and again in a forked worker process)."""
        with self._lock:
            if self._loop is None or self._loop_pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._loop_pid = os.getpid()
                self._bot = None
                threading.Thread(target=self._loop.run_forever, name="sira-telegram", daemon=True).start()
            return self._loop

    def _request(self) -> HTTPXRequest:
        timeout = self.settings.timeout
        return HTTPXRequest(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout,
                            pool_timeout=timeout, httpx_kwargs={"verify": self._ssl_context})

    def _run(self, call: Callable[[Bot], Awaitable]):
        async def main():
            if self._bot is None:
                bot = Bot(self.settings.bot_token, base_url=self.settings.api_base + "/bot",
                          request=self._request(), get_updates_request=self._request())
                await bot.initialize()
                self._bot = bot
            return await call(self._bot)

        future = asyncio.run_coroutine_threadsafe(main(), self._event_loop())
        try:
            return future.result(timeout=self.settings.timeout * 3)
        except TelegramError as error:
            raise map_telegram_error(error) from error
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise RetryableError("Telegram Bot API did not answer in time", channel="telegram") from None

    # --- outbound ---

    def send(self, message: OutboundMessage) -> SendResult:
        refuse_demo_recipient(message, "telegram")
        markup = keyboard(message.buttons) if message.buttons else None
        sent = self._run(lambda bot: bot.send_message(chat_id=message.recipient, text=message.text,
                                                      reply_markup=markup))
        return SendResult(provider_message_id=f"{sent.chat_id}:{sent.message_id}", channel="telegram")

    def answer_button(self, press: ButtonPress, text: str | None = None) -> None:
        """Stop the button's spinner; `text` shows as a short toast to the person who pressed it."""
        self._run(lambda bot: bot.answer_callback_query(callback_query_id=press.callback_id, text=text))

    def show_outcome(self, chat_id: str, message_id: str, text: str) -> None:
        """Replace the message's text with the outcome; without reply_markup the buttons disappear."""
        self._run(lambda bot: bot.edit_message_text(chat_id=chat_id, message_id=int(message_id), text=text))

    def remove_buttons(self, chat_id: str, message_id: str) -> None:
        self._run(lambda bot: bot.edit_message_reply_markup(chat_id=chat_id, message_id=int(message_id),
                                                            reply_markup=None))

    def set_webhook(self) -> bool:
        """Register SIRA_PUBLIC_URL/webhooks/telegram with our secret (`sira telegram set-webhook`)."""
        return self._run(lambda bot: bot.set_webhook(
            url=self.settings.webhook_url,
            secret_token=self.settings.webhook_secret,
            allowed_updates=["message", "callback_query"],
        ))

    # --- inbound ---

    def verify(self, request: InboundRequest) -> bool:
        given = request.header(SECRET_HEADER)
        if not given:
            return False
        return hmac.compare_digest(given.encode(), self.settings.webhook_secret.encode())

    def parse(self, request: InboundRequest, *, now: datetime) -> list[InboundEvent]:
        return parse_update(request.json, now=now)


def parse_update(payload: object, *, now: datetime) -> list[InboundEvent]:
    """Neutral events in one Telegram update; [] for updates Sira ignores or cannot read."""
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        return []
    try:
        update = Update.de_json(payload, None)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, OSError):
        return []  # OverflowError / OSError: a "date" beyond what the platform's clock can represent
    key = f"update:{update.update_id}"
    query = update.callback_query
    if query is not None:
        message = query.message
        sender = message.chat if message is not None and message.chat is not None else query.from_user
        if not query.data or not isinstance(query.data, str) or sender is None:
            return []  # a button press nobody can be found for is nothing to act on
        chat_id = sender.id
        message_id = str(message.message_id) if message is not None else None
        return [ButtonPress("telegram", str(chat_id), query.data, key, str(query.id), message_id, now)]
    message = update.message
    if message is not None and isinstance(message.text, str) and message.text and message.chat is not None:
        return [InboundText("telegram", str(message.chat.id), message.text, key, now)]
    return []


def keyboard(buttons) -> InlineKeyboardMarkup:
    """One row of inline buttons; refuses callback data Telegram would reject (over 64 bytes)."""
    for button in buttons:
        if len(button.data.encode()) > MAX_CALLBACK_DATA_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_DATA_BYTES} bytes: {button.data!r}")
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in buttons]])


def map_telegram_error(error: TelegramError) -> DeliveryError:
    detail = f"Telegram {type(error).__name__}: {error.message}"
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # int or timedelta depending on PTB_TIMEDELTA; int is deprecated
            warnings.simplefilter("ignore")
            wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return Throttled(detail, channel="telegram", provider_code="429", retry_after=seconds)
    if isinstance(error, Forbidden):  # the user blocked the bot or never started it
        return RecipientUnreachable(detail, channel="telegram", provider_code="403")
    if isinstance(error, BadRequest):  # a subclass of NetworkError: test it first
        if any(marker in error.message.lower() for marker in _UNREACHABLE_BAD_REQUESTS):
            return RecipientUnreachable(detail, channel="telegram", provider_code="400")
        return PermanentError(detail, channel="telegram", provider_code="400")
    if isinstance(error, (InvalidToken, ChatMigrated)):
        return PermanentError(detail, channel="telegram")
    if isinstance(error, NetworkError):  # includes TimedOut, refused connections and 5xx answers
        return RetryableError(detail, channel="telegram")
    return RetryableError(detail, channel="telegram")
