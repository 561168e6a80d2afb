"""SMS through Twilio (or any Twilio-compatible gateway at TWILIO_API_BASE), with the real `twilio` SDK.

Webhooks: inbound SMS at /webhooks/twilio/sms, delivery status at /webhooks/twilio/status; both are
signed with X-Twilio-Signature over the URL Twilio called, which we rebuild from SIRA_PUBLIC_URL.
"""

from __future__ import annotations

import threading
from datetime import datetime

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from adapters.base import (
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
    StatusUpdate,
    Throttled,
    refuse_demo_recipient,
)
from adapters.settings import TwilioSettings

# Twilio error codes that mean "this number cannot get SMS from us": fail over, mark the channel unhealthy.
# https://www.twilio.com/docs/api/errors
UNREACHABLE_CODES = {
    21211,  # invalid 'To' phone number
    21610,  # recipient replied STOP (opted out)
    21612,  # 'To' not reachable via this channel / carrier
    21614,  # 'To' is not a valid mobile number
    21408,  # permission to send to this region not enabled
    30003,  # unreachable destination handset
    30005,  # unknown destination handset
    30006,  # landline or unreachable carrier
}
THROTTLE_CODES = {20429, 14107}  # too many requests; SMS rate limit
DEFAULT_RETRY_AFTER = 30.0

# Twilio's MessageStatus values that end a message's journey; the others (queued, sent...) are progress.
_FINAL_STATUSES = {"delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}


class _HeaderKeepingHttpClient(TwilioHttpClient):
    """Keeps the last response's headers (per thread) so that a 429 can honour its Retry-After."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def request(self, *args, **kwargs):
        self._local.headers = {}
        response = super().request(*args, **kwargs)
        self._local.headers = dict(response.headers or {})
        return response

    @property
    def last_headers(self) -> dict:
        return getattr(self._local, "headers", {})


class TwilioSmsAdapter(ChannelAdapter):
    channel = "sms"

    def __init__(self, settings: TwilioSettings):
        self.settings = settings
        self._local = threading.local()  # one requests session per thread: reused, never shared
        self._validator = RequestValidator(settings.auth_token)

    def _client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            http_client = _HeaderKeepingHttpClient(timeout=self.settings.timeout)
            client = Client(self.settings.account_sid, self.settings.auth_token, http_client=http_client)
            # Only the base URL: setting edge/region would rewrite the host (TECHNOTES.md).
            client.api.base_url = self.settings.api_base
            self._local.client = client
        return client

    # --- outbound ---

    def send(self, message: OutboundMessage) -> SendResult:
        refuse_demo_recipient(message, "sms")
        sender = (
            {"messaging_service_sid": self.settings.messaging_service_sid}
            if self.settings.messaging_service_sid
            else {"from_": self.settings.from_number}
        )
        client = self._client()
        try:
            created = client.messages.create(
                to=message.recipient,
                body=message.text,
                status_callback=self.settings.status_callback_url,
                **sender,
            )
        except TwilioRestException as error:
            raise self._map_rest_error(error, client.http_client.last_headers) from error
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as error:
            raise RetryableError(f"Twilio unreachable: {type(error).__name__}", channel="sms") from error
        except requests.exceptions.RequestException as error:
            raise RetryableError(f"Twilio request failed: {type(error).__name__}", channel="sms") from error
        except TwilioException as error:
            raise RetryableError(f"Twilio client error: {error}", channel="sms") from error
        return SendResult(provider_message_id=created.sid, channel="sms")

    @staticmethod
    def _map_rest_error(error: TwilioRestException, headers: dict) -> DeliveryError:
        code = error.code
        detail = f"Twilio {error.status} code {code}: {error.msg}"
        provider_code = str(code) if code is not None else str(error.status)
        if code in UNREACHABLE_CODES:
            return RecipientUnreachable(detail, channel="sms", provider_code=provider_code)
        if error.status == 429 or code in THROTTLE_CODES:
            return Throttled(detail, channel="sms", provider_code=provider_code,
                             retry_after=_retry_after_seconds(headers))
        if error.status >= 500:
            return RetryableError(detail, channel="sms", provider_code=provider_code)
        return PermanentError(detail, channel="sms", provider_code=provider_code)

    # --- inbound ---

    def public_url_for(self, request: InboundRequest) -> str:
        """The exact URL Twilio signed: our public base + the path (+ query), never request.url."""
        url = self.settings.public_url + request.path
        return f"{url}?{request.query_string}" if request.query_string else url

    def verify(self, request: InboundRequest) -> bool:
        signature = request.header("X-Twilio-Signature")
        if not signature:
            return False
        return bool(self._validator.validate(self.public_url_for(request), dict(request.form), signature))

    def parse(self, request: InboundRequest, *, now: datetime) -> list[InboundEvent]:
        form = request.form
        if "MessageStatus" in form and "Body" not in form:
            status = _FINAL_STATUSES.get(form.get("MessageStatus", ""))
            if status is None or not form.get("MessageSid"):
                return []
            return [StatusUpdate("sms", form["MessageSid"], status, form.get("ErrorCode") or None)]
        if form.get("MessageSid") and form.get("From") and "Body" in form:
            return [InboundText("sms", form["From"], form["Body"], form["MessageSid"], now)]
        return []


def twiml_reply(text: str | None) -> str:
    """TwiML answering an inbound SMS (serve as application/xml); None or "" sends nothing back."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


def _retry_after_seconds(headers: dict) -> float:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER
