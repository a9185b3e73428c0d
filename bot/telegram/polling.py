"""Development mode without a public HTTPS URL: long-poll ``getUpdates`` and post each update to
the local Telegram webhook, so the very same handler runs as in production.

    python -m bot.telegram.polling --webhook http://127.0.0.1:5005/webhooks/telegram/webhook

Environment: ``TELEGRAM_TOKEN`` (required), ``TELEGRAM_SECRET`` (the webhook's secret token, if
set), ``TELEGRAM_BASE_URL`` (default https://api.telegram.org). Telegram disables ``getUpdates``
while a webhook is set; ``--delete-webhook`` removes it first. The raw update JSON is forwarded
unchanged (python-telegram-bot would re-serialise it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from typing import Any

import httpx

from bot.telegram.channel import ALLOWED_UPDATES, DEFAULT_BASE_URL

logger = logging.getLogger("bot.telegram.polling")

POLL_TIMEOUT_S = 25


async def forward(client: httpx.AsyncClient, webhook: str, secret: str, update: Any) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    resp = await client.post(webhook, json=update, headers=headers)
    return resp.status_code


async def poll(
    token: str,
    webhook: str,
    secret: str = "",
    base_url: str = DEFAULT_BASE_URL,
    delete_webhook: bool = False,
    max_rounds: int | None = None,
    poll_timeout_s: int = POLL_TIMEOUT_S,
) -> int:
    """Poll until interrupted (or ``max_rounds``); return the number of updates forwarded."""
    api = f"{base_url.rstrip('/')}/bot{token}"
    forwarded = 0
    offset: int | None = None
    async with httpx.AsyncClient(timeout=poll_timeout_s + 10) as client:
        if delete_webhook:
            await client.post(f"{api}/deleteWebhook", json={"drop_pending_updates": False})
        rounds = 0
        while max_rounds is None or rounds < max_rounds:
            rounds += 1
            params: dict[str, Any] = {"timeout": poll_timeout_s, "allowed_updates": ALLOWED_UPDATES}
            if offset is not None:
                params["offset"] = offset
            try:
                resp = await client.post(f"{api}/getUpdates", json=params)
                body = resp.json()
            except (httpx.HTTPError, ValueError) as e:
                logger.warning("telegram_poll_failed: %s", type(e).__name__)
                await asyncio.sleep(3)
                continue
            if not body.get("ok"):
                logger.warning("telegram_poll_refused: %s", body.get("description", ""))
                await asyncio.sleep(3)
                continue
            for update in body.get("result", []):
                status = await forward(client, webhook, secret, update)
                if status != 200:
                    logger.warning("telegram_forward_status: %s", status)
                forwarded += 1
                offset = int(update["update_id"]) + 1
    return forwarded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--webhook",
        default="http://127.0.0.1:5005/webhooks/telegram/webhook",
        help="the local Rasa Telegram webhook",
    )
    parser.add_argument("--delete-webhook", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    token = os.environ.get("TELEGRAM_TOKEN", "")
    if not token:
        print("TELEGRAM_TOKEN is not set", file=sys.stderr)  # noqa: T201
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            poll(
                token,
                args.webhook,
                secret=os.environ.get("TELEGRAM_SECRET", ""),
                base_url=os.environ.get("TELEGRAM_BASE_URL") or DEFAULT_BASE_URL,
                delete_webhook=args.delete_webhook,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
