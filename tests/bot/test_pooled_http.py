"""bot/pooled_http.py: Rasa's calls to the action server reuse one keep-alive connection, and a
connection the server closed or a restarted server never fails a resident's turn (issue 11)."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig
from sanic.config import DEFAULT_CONFIG

from bot import balancer, pooled_http


class ActionServerStub:
    """A real HTTP server on a real socket that notes the client port of every request."""

    def __init__(self, keepalive_s: float = 75.0) -> None:
        self.keepalive_s = keepalive_s
        self.client_ports: list[int] = []
        self.bodies: list[bytes] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def webhook(self, request: web.Request) -> web.Response:
        self.client_ports.append(request.transport.get_extra_info("peername")[1])
        self.bodies.append(await request.read())
        body = await request.json()
        return web.json_response({"events": [], "responses": [{"text": body["next_action"]}]})

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        self.runner = web.AppRunner(app, keepalive_timeout=self.keepalive_s)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def idle_connections_closed(self, within_s: float = 10.0) -> None:
        """Returns once the server has closed every idle connection (its timer runs late when
        the machine is busy, so a fixed sleep is not enough)."""
        assert self.runner is not None and self.runner.server is not None
        deadline = asyncio.get_running_loop().time() + within_s
        while self.runner.server.connections:
            assert asyncio.get_running_loop().time() < deadline, "the server kept its connection"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05)  # the client's side of the close arrives on its loop

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
def pool() -> Iterator[None]:
    assert pooled_http.install({})
    yield
    pooled_http.install({pooled_http.POOL_ENV: "off"})


@pytest_asyncio.fixture
async def server() -> AsyncIterator[ActionServerStub]:
    stub = ActionServerStub()
    await stub.start()
    yield stub
    await stub.stop()
    await pooled_http.close_pooled()


async def _call(endpoint: EndpointConfig, action: str) -> str:
    answer = await endpoint.request(json={"next_action": action}, method="post")
    return str(answer["responses"][0]["text"])


@pytest.mark.asyncio
async def test_a_turns_action_calls_share_one_connection(
        pool: None, server: ActionServerStub) -> None:
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
    actions = [f"action_{i}" for i in range(6)]
    assert [await _call(endpoint, a) for a in actions] == actions
    assert len(set(server.client_ports)) == 1


@pytest.mark.asyncio
async def test_the_tracker_reaches_the_action_server_as_json_dumps_writes_it(
        pool: None, server: ActionServerStub) -> None:
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
    tracker = {"sender_id": "a/b", "events": [
        {"event": "user", "text": "등본 두 통 \"급해요\" \\ 😀", "timestamp": 1764912345.123456,
         "parse_data": {"intent": {"name": "inform", "confidence": 0.1 + 0.2}, "entities": []}},
        {"event": "slot", "name": "copies", "value": 2.0}, {"event": "slot", "value": None},
        {"event": "slot", "name": "big", "value": 10**30}, {"event": "x", "value": 1e-300}]}
    await endpoint.request(json={"next_action": "validate", "tracker": tracker}, method="post")
    assert json.loads(server.bodies[-1]) == {"next_action": "validate", "tracker": tracker}
    assert "\\ub4f1" in server.bodies[-1].decode()  # non-ASCII escaped, as json.dumps does
    await endpoint.request(json={"next_action": "x", "a": float("nan")}, method="post")
    assert math.isnan(json.loads(server.bodies[-1])["a"])  # NaN, as json.dumps writes it


def test_a_body_ujson_refuses_is_written_by_json_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any, **_k: Any) -> str:
        raise TypeError("not serialisable")

    monkeypatch.setattr(pooled_http.ujson, "dumps", refuse)
    body = {"next_action": "x", "events": [{"event": "slot", "value": "등본"}]}
    assert pooled_http.json_dumps(body) == json.dumps(body)


@pytest.mark.asyncio
async def test_off_restores_a_connection_per_call(server: ActionServerStub) -> None:
    assert not pooled_http.install({pooled_http.POOL_ENV: "off"})
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
    for i in range(4):
        await _call(endpoint, f"action_{i}")
    assert len(set(server.client_ports)) == 4


@pytest.mark.asyncio
async def test_a_connection_the_server_closed_is_replaced(pool: None) -> None:
    stub = ActionServerStub(keepalive_s=0.2)
    await stub.start()
    endpoint = EndpointConfig(f"http://127.0.0.1:{stub.port}/webhook")
    try:
        assert await _call(endpoint, "first") == "first"
        await stub.idle_connections_closed()
        assert await _call(endpoint, "after idle close") == "after idle close"
        assert len(set(stub.client_ports)) == 2
    finally:
        await stub.stop()
        await pooled_http.close_pooled()


@pytest.mark.asyncio
async def test_a_restarted_action_server_gets_the_next_call(pool: None) -> None:
    stub = ActionServerStub()
    await stub.start()
    endpoint = EndpointConfig(f"http://127.0.0.1:{stub.port}/webhook")
    try:
        assert await _call(endpoint, "before") == "before"
        await stub.stop()
        await stub.start(port=stub.port)
        await asyncio.sleep(0.05)
        assert await _call(endpoint, "after restart") == "after restart"
    finally:
        await stub.stop()
        await pooled_http.close_pooled()


def test_the_client_gives_up_an_idle_connection_before_server_and_balancer() -> None:
    assert pooled_http.KEEPALIVE_S < DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"]
    # HAProxy keeps a client's idle connection for "timeout http-keep-alive", which defaults to
    # "timeout http-request" when not set
    haproxy = balancer.haproxy_config(8000, [balancer.Upstream("rasa-1", 8001)], 8100,
                                      [balancer.Upstream("actions-1", 8101)])
    assert "timeout http-request 10s" in haproxy and "http-keep-alive" not in haproxy
    assert pooled_http.KEEPALIVE_S < 10


@pytest.mark.asyncio
async def test_stopping_the_server_closes_the_pooled_sessions(
        pool: None, server: ActionServerStub) -> None:
    import rasa.core.run

    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
    await _call(endpoint, "one")
    async with endpoint.session() as session:
        pooled = session
    app = type("App", (), {"ctx": type("Ctx", (), {})()})()
    await rasa.core.run.close_resources(app, asyncio.get_running_loop())
    assert pooled.closed


@pytest.mark.asyncio
async def test_a_session_of_the_turn_loop_is_closed_when_the_server_stops(
        pool: None, server: ActionServerStub) -> None:
    from bot.turn_runner import TurnThread

    turns = TurnThread()
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")

    async def turn() -> Any:
        await _call(endpoint, "on the turn loop")
        async with endpoint.session() as session:
            return session

    pooled = await turns.run(turn())
    await pooled_http.close_pooled()
    assert pooled.closed
