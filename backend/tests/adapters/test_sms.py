"""The HTTP SMS gateway against a real local HTTP server; the outbox through the API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.adapters.sms import HttpSmsGateway, SmsSendFailed
from app.main import create_app
from app.settings import Settings
from tests.conftest import KIM, SERVICE


class FakeCarrier:
    """A local SMS API: records requests, answers with a configurable status."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 202
        carrier = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                carrier.received.append(
                    {
                        "auth": self.headers.get("Authorization"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(carrier.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "msg-1"}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def carrier() -> Iterator[FakeCarrier]:
    server = FakeCarrier()
    yield server
    server.close()


NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def test_http_gateway_posts_json_with_the_key(carrier: FakeCarrier) -> None:
    gateway = HttpSmsGateway(carrier.url, "sms-key", "0222600114", httpx.Client(timeout=2))
    gateway.send("01012345678", "code 123456", NOW)
    gateway.wait_idle()
    gateway.close()
    assert carrier.received == [
        {
            "auth": "Bearer sms-key",
            "body": {"to": "01012345678", "from": "0222600114", "text": "code 123456"},
        }
    ]


def test_http_gateway_refusal_raises(carrier: FakeCarrier) -> None:
    carrier.status = 500
    gateway = HttpSmsGateway(carrier.url, "sms-key", "0222600114", httpx.Client(timeout=2))
    with pytest.raises(SmsSendFailed):
        gateway.post("01012345678", "x")
    gateway.send("01012345678", "x", NOW)  # in the background: logged, never raised
    gateway.wait_idle()
    gateway.close()


def test_unreachable_gateway_raises() -> None:
    gateway = HttpSmsGateway("http://127.0.0.1:9/none", "k", "0", httpx.Client(timeout=1))
    with pytest.raises(SmsSendFailed):
        gateway.post("01012345678", "x")


def test_challenge_through_the_http_gateway(carrier: FakeCarrier, db_url: str) -> None:
    settings = Settings(
        database_url=db_url,
        profile="dev",
        sms_gateway="http",
        sms_http_url=carrier.url,
        sms_http_key="sms-key",
    )  # type: ignore[arg-type]
    app = create_app(settings, configure_logs=False)
    gateway = app.state.runtime.sms
    assert isinstance(gateway, HttpSmsGateway)
    client = TestClient(app)
    answer = client.post(
        "/api/v1/identity/challenges", headers=SERVICE, json={"conversation_id": "c", **KIM}
    )
    assert answer.status_code == 201
    gateway.wait_idle()
    assert len(carrier.received) == 1
    assert carrier.received[0]["body"]["to"] == KIM["phone"]
    assert "인증번호" in carrier.received[0]["body"]["text"]
    # A failing carrier does not change the answer: it must not reveal who is registered.
    carrier.status = 503
    failed = client.post(
        "/api/v1/identity/challenges", headers=SERVICE, json={"conversation_id": "c", **KIM}
    )
    assert failed.status_code == 201
    gateway.wait_idle()
    assert len(carrier.received) == 2
    gateway.close()
    app.state.runtime.engine.dispose()
