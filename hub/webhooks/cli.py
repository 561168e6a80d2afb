"""`sira telegram set-webhook`: register SIRA_PUBLIC_URL + /webhooks/telegram with its secret token."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from adapters.base import DeliveryError

telegram_cli = AppGroup("telegram", help="The Telegram bot.")


@telegram_cli.command("set-webhook")
def set_webhook_command() -> None:
    """Tell Telegram where to send updates (and the secret it must echo in each one)."""
    from adapters.telegram import TelegramAdapter

    settings = current_app.config["CHANNELS"]
    if settings.telegram is None:
        raise click.ClickException("TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET are not set: "
                                   "Telegram goes to the simulator, there is no webhook to register.")
    try:
        ok = TelegramAdapter(settings.telegram).set_webhook()
    except DeliveryError as error:
        raise click.ClickException(f"Telegram refused the webhook: {error.reason}") from None
    if not ok:
        raise click.ClickException("Telegram answered false to setWebhook.")
    click.echo(f"Webhook enregistré : {settings.telegram.webhook_url}")
