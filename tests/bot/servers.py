"""Local HTTP servers for channel tests: a channel's blueprint on Sanic, fakes on aiohttp."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from sanic import Blueprint, Sanic

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "tests" / "payloads"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serve_sanic(
    blueprints: list[tuple[Blueprint, str]], ctx: dict[str, Any] | None = None
) -> AsyncIterator[str]:
    """Serve ``blueprints`` (blueprint, url prefix) on a free port; yield the base URL."""
    app = Sanic(f"t{uuid.uuid4().hex}")
    app.config.KEEP_ALIVE = False
    for key, value in (ctx or {}).items():
        setattr(app.ctx, key, value)
    for bp, prefix in blueprints:
        app.blueprint(bp, url_prefix=prefix)
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


@asynccontextmanager
async def serve_aiohttp(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def load_payload(kind: str, name: str) -> Any:
    """A recorded request body from ``tests/payloads/<kind>/<name>``."""
    return json.loads((PAYLOADS / kind / name).read_text(encoding="utf-8"))


def kakao_text_body(
    user_id: str, utterance: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Kakao's recorded text SkillPayload for ``user_id`` saying ``utterance``.

    With ``extra`` (a quick reply's clientExtra) it is the request of a pressed quick reply.
    """
    body: dict[str, Any] = load_payload("kakao", "skill_text.json")
    body["userRequest"]["user"]["id"] = user_id
    body["userRequest"]["utterance"] = utterance
    body["action"]["clientExtra"] = extra or {}
    if extra:
        body["flow"]["trigger"]["type"] = "QUICKREPLY_BUTTON_MESSAGE"
    return body
