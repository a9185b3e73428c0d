"""SMS gateways behind one Protocol, chosen once from settings.

`OutboxGateway` stores messages in the database (default; readable in the dev profile at
`GET /dev/sms-outbox`). `HttpSmsGateway` posts to a generic HTTP SMS API with an API key.

The HTTP gateway sends in the background: a challenge must answer in the same time, and with the
same status, whether or not the person is in the registry, so a slow or failing carrier cannot
show up in the answer. Failures are logged and counted; the resident simply asks for a new code.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Protocol

import httpx
from sqlalchemy.orm import Session, sessionmaker

from app.db import writing
from app.metrics import SMS_SENT
from app.models import SmsOutbox

logger = logging.getLogger(__name__)


class SmsSendFailed(RuntimeError):
    """Raised when the gateway did not accept the message."""


class SmsGateway(Protocol):
    def send(self, to: str, text: str, now: datetime) -> None:
        """Hand `text` for the phone number `to` (digits only) to the carrier."""

    def close(self) -> None:
        """Finish pending sends and release resources."""


class OutboxGateway:
    """Stores each message as a row in its own short transaction."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def send(self, to: str, text: str, now: datetime) -> None:
        with self._sessions() as session, writing(), session.begin():
            session.add(SmsOutbox(to_phone=to, text=text, sent_at=now))
        SMS_SENT.labels(gateway="outbox", outcome="stored").inc()

    def close(self) -> None:
        pass


class HttpSmsGateway:
    """A generic JSON SMS API: `POST <url>` with `{"to","from","text"}` and a bearer key."""

    def __init__(
        self, url: str, api_key: str, sender: str, client: httpx.Client, workers: int = 4
    ) -> None:
        self._url, self._api_key, self._sender, self._client = url, api_key, sender, client
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sms")
        self._pending: set[Future[None]] = set()

    def post(self, to: str, text: str) -> None:
        """Post one message now.

        Raises:
            SmsSendFailed: the carrier was unreachable or refused the message.
        """
        try:
            response = self._client.post(
                self._url,
                json={"to": to, "from": self._sender, "text": text},
                headers={"Authorization": f"Bearer {self._api_key}"},
            )
        except httpx.HTTPError as e:
            raise SmsSendFailed(f"gateway unreachable: {type(e).__name__}") from e
        if response.status_code >= 300:
            raise SmsSendFailed(f"gateway answered {response.status_code}")

    def _post_logged(self, to: str, text: str) -> None:
        try:
            self.post(to, text)
        except SmsSendFailed as e:
            SMS_SENT.labels(gateway="http", outcome="failed").inc()
            logger.warning("sms_send_failed", extra={"error": str(e)})
            return
        SMS_SENT.labels(gateway="http", outcome="sent").inc()

    def send(self, to: str, text: str, now: datetime) -> None:
        future = self._pool.submit(self._post_logged, to, text)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def wait_idle(self, timeout_s: float = 10) -> None:
        """Wait until queued messages have been posted (tests, shutdown)."""
        for future in list(self._pending):
            future.result(timeout=timeout_s)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._client.close()
