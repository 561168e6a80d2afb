"""Which adapter sends a message: the one decision that keeps demo contacts away from real providers."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from adapters.base import CHANNELS, ChannelAdapter
from adapters.settings import ChannelSettings, load_channel_settings
from adapters.simulator import SimulatorAdapter

_cache: dict[tuple, ChannelAdapter] = {}
_lock = threading.Lock()


def adapter_for(channel: str, contact_is_demo: bool,
                config: ChannelSettings | Mapping[str, object]) -> ChannelAdapter:
    """The simulator for a demo contact or an unconfigured channel; otherwise the real provider.

    `config` is a ChannelSettings, or a mapping (os.environ, app.config) to read one from.
    Real adapters are cached per settings so their HTTP sessions are reused across deliveries.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    settings = config if isinstance(config, ChannelSettings) else load_channel_settings(config)
    if contact_is_demo or not settings.configured(channel):
        return SimulatorAdapter(channel)
    key = (channel, settings)
    with _lock:
        adapter = _cache.get(key)
        if adapter is None:
            adapter = _cache[key] = _real_adapter(channel, settings)
    return adapter


def _real_adapter(channel: str, settings: ChannelSettings) -> ChannelAdapter:
    if channel == "sms":
        from adapters.twilio_sms import TwilioSmsAdapter

        return TwilioSmsAdapter(settings.twilio)
    if channel == "telegram":
        from adapters.telegram import TelegramAdapter

        return TelegramAdapter(settings.telegram)
    from adapters.email_smtp import SmtpEmailAdapter

    return SmtpEmailAdapter(settings.smtp)
