"""SMS gateways behind one Protocol, chosen once from settings.

`OutboxGateway` stores messages in the database (default; readable in the dev profile at
`GET /dev/sms-outbox`). `HttpSmsGateway` posts to a generic HTTP SMS API with an API key.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

import httpx
from sqlalchemy.orm import Session

from app.models import SmsOutbox

logger = logging.getLogger(__name__)


class SmsSendFailed(RuntimeError):
    """Raised when the gateway did not accept the message."""


class SmsGateway(Protocol):
    def send(self, session: Session, to: str, text: str, now: datetime) -> None:
        """Send `text` to the phone number `to` (digits only)."""


class OutboxGateway:
    """Stores each message as a row; the same transaction as the challenge that caused it."""

    def send(self, session: Session, to: str, text: str, now: datetime) -> None:
        session.add(SmsOutbox(to_phone=to, text=text, sent_at=now))


class HttpSmsGateway:
    """A generic JSON SMS API: `POST <url>` with `{"to","from","text"}` and a bearer key."""

    def __init__(self, url: str, api_key: str, sender: str, client: httpx.Client) -> None:
        self._url, self._api_key, self._sender, self._client = url, api_key, sender, client

    def send(self, session: Session, to: str, text: str, now: datetime) -> None:
        try:
            response = self._client.post(
                self._url,
                json={"to": to, "from": self._sender, "text": text},
                headers={"Authorization": f"Bearer {self._api_key}"},
            )
        except httpx.HTTPError as e:
            logger.warning("sms_gateway_unreachable", extra={"error": type(e).__name__})
            raise SmsSendFailed("gateway unreachable") from e
        if response.status_code >= 300:
            logger.warning("sms_gateway_refused", extra={"status": response.status_code})
            raise SmsSendFailed(f"gateway answered {response.status_code}")
