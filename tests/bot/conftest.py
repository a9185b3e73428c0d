"""Fixtures for channel tests: real local HTTP servers, no Rasa model.

A channel's blueprint is mounted on a fresh Sanic app with a stub ``on_new_message`` that answers
like a dialogue would (through the turn's output channel), so the wire formats are tested end to
end over HTTP. The full-stack tests against a running Rasa server are in ``test_*_e2e.py``.
"""

from __future__ import annotations

import importlib
import re
import socket
import sys
import types
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sanic import Blueprint, Sanic

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "tests" / "payloads"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _install_pii_stand_in() -> None:
    """``nlu/pii.py`` is written in parallel; until it exists, stand in with the same contract
    (length-preserving mask of RRN-shaped digits) so channel tests can run."""
    try:
        importlib.import_module("nlu.pii")
        return
    except ImportError:
        pass
    module = types.ModuleType("nlu.pii")
    pattern = re.compile(r"(?<!\d)(\d{6})[- ]?([1-8]\d{6})(?!\d)")

    def mask_rrn(text: str) -> str:
        return pattern.sub(lambda m: "*" * len(m.group(0)), text)

    module.mask_rrn = mask_rrn  # type: ignore[attr-defined]
    sys.modules["nlu.pii"] = module


_install_pii_stand_in()

# Several Sanic apps start in one test process; test mode lets sanic re-apply its method
# "touch-ups" from the originals instead of failing on the second app.
Sanic.test_mode = True


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


class Recorder:
    """A fake HTTP peer (Kakao callback receiver, Telegram Bot API) that records every call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.base_url = ""

    def named(self, name: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["name"] == name]


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
    import json

    return json.loads((PAYLOADS / kind / name).read_text(encoding="utf-8"))


@pytest.fixture
def payload() -> Callable[[str, str], Any]:
    return load_payload
