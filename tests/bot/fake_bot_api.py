"""A local HTTP server speaking the Telegram Bot API, recording every call (protocols.md §2).

python-telegram-bot posts parameters as form fields whose values are JSON (multipart when a file
is uploaded); the fake decodes both and answers ``{"ok": true, "result": ...}`` like Telegram.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aiohttp import web
from servers import serve_aiohttp

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "minwon",
    "username": "minwon_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class FakeBotApi:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.base_url = ""
        self._message_id = 1000

    def named(self, name: str) -> list[dict[str, Any]]:
        return [c["params"] for c in self.calls if c["name"] == name]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [
            p["text"]
            for p in self.named("sendMessage")
            if chat_id is None or int(p["chat_id"]) == chat_id
        ]

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        self._message_id += 1
        chat_id = int(params.get("chat_id", 0))
        return {
            "message_id": self._message_id,
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "date": int(time.time()),
            **extra,
        }

    async def handle(self, request: web.Request) -> web.Response:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.path[len(prefix) :]
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()  # type: ignore[union-attr]
                if part.filename:  # type: ignore[union-attr]
                    files[part.name or ""] = data  # type: ignore[union-attr]
                else:
                    params[part.name or ""] = _decode(data.decode("utf-8"))  # type: ignore[union-attr]
        else:
            form = await request.post()
            params = {k: _decode(str(v)) for k, v in form.items()}
        result = self._result(method, params)
        self.calls.append({"name": method, "params": params, "files": files, "result": result})
        return web.json_response({"ok": True, "result": result})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "sendMessage":
            return self._message(params, text=params.get("text", ""))
        if method == "sendDocument":
            doc = {"file_id": "BQACAgUAAx", "file_unique_id": "AgADx", "file_name": "f.pdf"}
            return self._message(params, document=doc)
        if method == "sendPhoto":
            photo = [{"file_id": "AgAC", "file_unique_id": "AQAD", "width": 1, "height": 1}]
            return self._message(params, photo=photo)
        if method == "getUpdates":
            updates, self.updates = self.updates, []
            return updates
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True  # setWebhook, deleteWebhook, answerCallbackQuery, sendChatAction, edits


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


@asynccontextmanager
async def fake_bot_api(token: str) -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(token)
    async with serve_aiohttp(api.handle) as base:
        api.base_url = base
        yield api


@contextmanager
def fake_bot_api_in_thread(token: str) -> Iterator[FakeBotApi]:
    """The same fake on its own event loop in a thread, for a Rasa server in another process."""
    api = FakeBotApi(token)
    started = threading.Event()
    loop = asyncio.new_event_loop()
    stop: asyncio.Future[None] | None = None

    async def run() -> None:
        nonlocal stop
        stop = loop.create_future()
        async with serve_aiohttp(api.handle) as base:
            api.base_url = base
            started.set()
            await stop

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield api
    finally:
        loop.call_soon_threadsafe(lambda: stop is not None and stop.set_result(None))
        thread.join(10)
