"""Fuzz the four input channels of a running minwon system and check that nothing breaks.

    .venvs/rasa/bin/python bench/fuzz_channels.py    # starts its own system; 10,000 payloads
    .venvs/rasa/bin/python bench/fuzz_channels.py --n 1000 --seed 7

N payloads (fixed seed) go to REST, the web chat, Kakao and Telegram: replays of the recorded
payloads in ``tests/payloads/``, the same with fields deleted or given the wrong type, text and
ids with lone surrogates and control characters, huge bodies (past each channel's cap and past
Sanic's ``REQUEST_MAX_SIZE``), deeply nested JSON, garbage bytes, wrong methods and content types,
missing or wrong secrets and forged web-chat cookies. The report counts the answers per channel
and status, lists every 5xx, says whether every process is still alive, and whether a real
conversation afterwards is answered normally; it is written to ``bench/results/fuzz_channels.json``.

``tests/bot/test_fuzz_channels_e2e.py`` runs the same generator (1,000 payloads) in the test suite.
The system this script starts runs the ``test`` profile with random secrets, Telegram pointed at
a local fake Bot API (``tests/bot/fake_bot_api.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = ROOT / "tests" / "payloads"
RESULTS = ROOT / "bench" / "results"
DEFAULT_N = 10_000
DEFAULT_SEED = 20261204
SANIC_LIMIT_BYTES = 2 * 1024 * 1024  # bot.processes.RASA_REQUEST_MAX_BYTES

PATHS = {
    "rest": "/webhooks/rest/webhook",
    "webchat": "/webhooks/webchat/webhook",
    "kakao": "/webhooks/kakao/webhook",
    "telegram": "/webhooks/telegram/webhook",
}
# the caps each channel applies itself (bot/*): bodies just past them and far past Sanic's
CHANNEL_CAPS = {"rest": 64 * 1024, "webchat": 64 * 1024, "kakao": 64 * 1024, "telegram": 1 << 20}

NASTY_STRINGS = (
    "\ud800",
    "\udfff",
    "a\udc00b",
    "\udc00\ud800",  # a low surrogate before a high one is no pair
    "\x00",
    "\x00\x01\x1b[31m",
    "\u202e\u2066",  # bidi overrides
    "\u200b\u200d\ufeff",
    "\U0001f600\U0001f1f0\U0001f1f7",
    "e\u0301" * 50,
    "\u1100\u1161\u11a8",  # conjoining jamo
    "\ufffe\uffff",
    "",
    " ",
    "\n" * 100,
    "/restart",
    '/inform{"document": "x", "copies": 1e309}',
    "/" + "a" * 300,
    "{{slot}} ${VAR} %s %(x)s",
    "<script>alert(1)</script>",
    "x" * 5001,
)


@dataclass(frozen=True)
class FuzzCase:
    """One request: ``channel`` is the target, ``kind`` what the generator did."""

    index: int
    channel: str
    kind: str
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Templates:
    """Real request bodies per channel, from ``tests/payloads/``."""

    bodies: dict[str, list[Any]]
    utterances: list[str]

    @classmethod
    def load(cls) -> Templates:
        bodies: dict[str, list[Any]] = {}
        for channel in ("rest", "webchat", "kakao", "telegram"):
            files = sorted((PAYLOADS / channel).glob("*.json"))
            bodies[channel] = [json.loads(f.read_text(encoding="utf-8")) for f in files]
        utterances = [b["userRequest"]["utterance"] for b in bodies["kakao"]]
        utterances += [
            b["message"]["text"] for b in bodies["telegram"] if "text" in b.get("message", {})
        ]
        utterances += [b["message"] for b in bodies["rest"] + bodies["webchat"]]
        return cls(bodies, [u for u in utterances if u])


@dataclass
class Secrets:
    kakao: str
    telegram: str


def _dumps(value: Any) -> bytes:
    # ASCII escapes keep lone surrogates as "\ud800" on the wire, exactly as a client sends them
    return json.dumps(value, ensure_ascii=True).encode("ascii")


def _deep(rng: random.Random, depth: int) -> Any:
    value: Any = rng.choice([1, "x", None, []])
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"a": value}
    return value


def _random_value(rng: random.Random) -> Any:
    choice = rng.randrange(12)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([0, -1, 2**63, 10**400 // 10**390, 1.5, True, False])
    if choice == 2:
        return []
    if choice == 3:
        return {}
    if choice == 4:
        return rng.choice(NASTY_STRINGS)
    if choice == 5:
        return "x" * rng.choice([129, 1000, 4001, 70_000])
    if choice == 6:
        return _deep(rng, rng.choice([5, 20, 40]))
    if choice == 7:
        return [rng.choice(NASTY_STRINGS)] * 3
    if choice == 8:
        return {rng.choice(NASTY_STRINGS): 1}
    if choice == 9:
        return str(rng.randrange(10**9))
    if choice == 10:
        return rng.randrange(-(10**12), 10**12)
    return rng.choice(["", " ", "\ud800"])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*prefix, key))
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found.append((*prefix, i))
            found.extend(_paths(child, (*prefix, i)))
    return found


def _mutate(rng: random.Random, body: Any) -> Any:
    """Delete a field or give it another value (another type, a nasty string, deep nesting)."""
    paths = _paths(body)
    if not paths:
        return _random_value(rng)
    path = rng.choice(paths)
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and rng.random() < 0.3:
        del parent[path[-1]]
    else:
        parent[path[-1]] = _random_value(rng)
    return body


class Generator:
    """Seeded payloads; the same seed and ``n`` give the same requests."""

    def __init__(self, seed: int, templates: Templates, keys: Secrets) -> None:
        self.rng = random.Random(seed)
        self.t = templates
        self.keys = keys
        self.kakao_users = [f"fuzz{seed % 1000:03d}k{i:04d}" for i in range(40)]
        self.telegram_chats = [700_000_000 + seed % 1000 * 1000 + i for i in range(40)]
        self.update_id = 100_000_000 + seed % 1000 * 1_000_000

    def _real(self, channel: str) -> Any:
        """A recorded payload of ``channel`` with fresh ids, so replays are new requests."""
        rng = self.rng
        body = copy.deepcopy(rng.choice(self.t.bodies[channel]))
        if channel in {"rest", "webchat"}:
            body["message"] = rng.choice(self.t.utterances)
            if channel == "rest":
                body["sender"] = f"fuzz-{rng.randrange(40)}"
        elif channel == "kakao":
            body["userRequest"]["user"]["id"] = rng.choice(self.kakao_users)
            if rng.random() < 0.5 and not (body.get("action") or {}).get("clientExtra"):
                body["userRequest"]["utterance"] = rng.choice(self.t.utterances)
        else:
            self.update_id += rng.randrange(1, 5)
            body["update_id"] = self.update_id
            chat = rng.choice(self.telegram_chats)
            for key in ("message", "edited_message"):
                if key in body and body[key]["chat"].get("type") == "private":
                    body[key]["chat"]["id"] = chat
                    body[key]["from"]["id"] = chat
            if "callback_query" in body:
                body["callback_query"]["from"]["id"] = chat
                body["callback_query"]["message"]["chat"]["id"] = chat
        return body

    def _text_field(self, channel: str, body: Any, text: str) -> Any:
        if channel in {"rest", "webchat"}:
            body["message"] = text
        elif channel == "kakao":
            body["userRequest"]["utterance"] = text
        elif "message" in body and "text" in body["message"]:
            body["message"]["text"] = text
        return body

    def _id_field(self, channel: str, body: Any, value: Any) -> Any:
        if channel == "rest":
            body["sender"] = value
        elif channel == "webchat":
            body["sender"] = value  # ignored by design; the cookie decides
        elif channel == "kakao":
            body["userRequest"]["user"]["id"] = value
        elif "message" in body:
            body["message"]["chat"]["id"] = value
        return body

    def headers(self, channel: str, auth: str = "good") -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if channel == "kakao" and auth != "missing":
            headers["X-Skill-Token"] = self.keys.kakao if auth == "good" else "wrong"
        if channel == "telegram" and auth != "missing":
            secret = self.keys.telegram if auth == "good" else "wrong"
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        if channel == "webchat" and self.rng.random() < 0.3:
            forged = self.rng.choice(["", "x" * 24 + ".sig", "web-1", "\u00ff", "a.b.c"])
            headers["Cookie"] = f"minwon_webchat={forged}"
        return headers

    def case(self, index: int) -> FuzzCase:
        rng = self.rng
        channel = rng.choice(list(PATHS))
        method, path = "POST", PATHS[channel]
        auth = "good"
        roll = rng.random()
        if roll < 0.20:
            kind, body = "replay", _dumps(self._real(channel))
        elif roll < 0.50:
            kind = "mutated"
            value = self._real(channel)
            for _ in range(rng.randint(1, 3)):
                value = _mutate(rng, value)
            body = _dumps(value)
        elif roll < 0.62:
            kind = "unicode_text"
            body = _dumps(self._text_field(channel, self._real(channel), rng.choice(NASTY_STRINGS)))
        elif roll < 0.70:
            kind = "bad_id"
            bad = rng.choice([*NASTY_STRINGS[:6], "a/b", "a" * 200, 1.5, True, None, [], {}])
            body = _dumps(self._id_field(channel, self._real(channel), bad))
        elif roll < 0.78:
            kind = "garbage"
            body = rng.choice(
                [
                    b"",
                    b"null",
                    b"[]",
                    b"42",
                    b'"\\ud800"',
                    b"{",
                    b"\xff\xfe\xfd",
                    b'{"a": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 bytes: not UTF-8
                    bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))),
                ]
            )
        elif roll < 0.84:
            kind = "deep"
            depth = rng.choice([33, 100, 1000, 20_000])
            body = (
                (b"[" * depth + b"]" * depth)
                if rng.random() < 0.5
                else (b'{"a":' * depth + b"1" + b"}" * depth)
            )
        elif roll < 0.88:
            kind = "huge"
            size = CHANNEL_CAPS[channel] + rng.randrange(1, 4096)
            if rng.random() < 0.15:
                size = SANIC_LIMIT_BYTES + 1024  # past Sanic's own limit
            body = b'{"message": "' + b"a" * size + b'"}'
        elif roll < 0.93:
            kind = "auth"
            auth = rng.choice(["missing", "wrong"])
            body = _dumps(self._real(channel))
            if channel == "rest":
                body = _dumps({**self._real(channel), "input_channel": "kakao"})
        else:
            kind = "method"
            choice = rng.randrange(4)
            if choice == 0:
                method = rng.choice(["GET", "PUT", "DELETE"])
                body = b""
            elif choice == 1:
                method, path = "GET", "/webhooks/webchat/pending"
                channel = "webchat"
                body = b""
            elif choice == 2:
                method, path, channel, body = "POST", "/webhooks/webchat/new", "webchat", b""
            else:
                body = _dumps(self._real(channel))
        headers = self.headers(channel, auth)
        if kind == "method" and rng.random() < 0.5:
            headers["Content-Type"] = rng.choice(
                ["text/plain", "application/x-www-form-urlencoded"]
            )
        return FuzzCase(index, channel, kind, method, path, body, headers)

    def cases(self, n: int) -> Iterator[FuzzCase]:
        for i in range(n):
            yield self.case(i)


@dataclass
class FuzzReport:
    n: int
    seed: int
    duration_s: float = 0.0
    by_status: Counter[str] = field(default_factory=Counter)
    by_channel_status: dict[str, Counter[str]] = field(default_factory=dict)
    by_kind: Counter[str] = field(default_factory=Counter)
    server_errors: list[dict[str, Any]] = field(default_factory=list)
    transport_errors: list[dict[str, Any]] = field(default_factory=list)
    alive: dict[str, bool] = field(default_factory=dict)
    conversation_after: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            not self.server_errors
            and not self.transport_errors
            and all(self.alive.values())
            and bool(self.conversation_after.get("answered"))
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "seed": self.seed,
            "duration_s": round(self.duration_s, 1),
            "by_status": dict(sorted(self.by_status.items())),
            "by_channel_status": {
                c: dict(sorted(v.items())) for c, v in sorted(self.by_channel_status.items())
            },
            "by_kind": dict(sorted(self.by_kind.items())),
            "server_errors": self.server_errors[:50],
            "server_error_count": len(self.server_errors),
            "transport_errors": self.transport_errors[:50],
            "transport_error_count": len(self.transport_errors),
            "alive": self.alive,
            "conversation_after": self.conversation_after,
            "ok": self.ok,
        }


async def send_all(
    base_url: str,
    cases: Iterator[FuzzCase],
    report: FuzzReport,
    concurrency: int = 8,
    timeout_s: float = 90.0,
) -> None:
    """Send every case (``concurrency`` at a time) and count the answers in ``report``."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    queue: asyncio.Queue[FuzzCase | None] = asyncio.Queue(maxsize=concurrency * 2)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def worker() -> None:
            while (case := await queue.get()) is not None:
                await _send(session, base_url, case, report)

        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        for case in cases:
            await queue.put(case)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)


async def _send(
    session: aiohttp.ClientSession, base_url: str, case: FuzzCase, report: FuzzReport
) -> None:
    report.by_kind[case.kind] += 1
    per_channel = report.by_channel_status.setdefault(case.channel, Counter())
    try:
        async with session.request(
            case.method, base_url + case.path, data=case.body, headers=case.headers
        ) as resp:
            await resp.read()
            status = str(resp.status)
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        status = "no_answer"
        report.transport_errors.append(
            {"index": case.index, "channel": case.channel, "kind": case.kind, "error": repr(e)}
        )
    report.by_status[status] += 1
    per_channel[status] += 1
    if status.startswith("5"):
        report.server_errors.append(
            {
                "index": case.index,
                "channel": case.channel,
                "kind": case.kind,
                "status": status,
                "body_head": case.body[:200].decode("ascii", "backslashreplace"),
            }
        )


async def real_conversation(base_url: str, kakao_secret: str) -> dict[str, Any]:
    """A resident after the storm: REST and Kakao greetings must get ordinary answers."""
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.post(
            base_url + PATHS["rest"],
            json={"sender": f"after-{secrets.token_hex(4)}", "message": "안녕하세요"},
        ) as resp:
            rest = await resp.json() if resp.status == 200 else []
        kakao_body = copy.deepcopy(Templates.load().bodies["kakao"][0])
        kakao_body["userRequest"]["user"]["id"] = f"after{secrets.token_hex(6)}"
        kakao_body["userRequest"]["utterance"] = "안녕하세요"
        kakao_body["action"]["clientExtra"] = None
        async with session.post(
            base_url + PATHS["kakao"], json=kakao_body, headers={"X-Skill-Token": kakao_secret}
        ) as resp:
            kakao = await resp.json() if resp.status == 200 else {}
    rest_texts = [m.get("text", "") for m in rest if isinstance(m, dict)]
    kakao_texts = [
        next(iter(o.values())).get("text", "")
        for o in (kakao.get("template") or {}).get("outputs", [])
    ]
    return {
        "rest_reply": rest_texts,
        "kakao_reply": kakao_texts,
        "answered": bool(any(rest_texts) and any(kakao_texts)),
    }


def run_against(
    base_url: str,
    keys: Secrets,
    n: int,
    seed: int,
    is_alive: Callable[[], dict[str, bool]],
    concurrency: int = 8,
) -> FuzzReport:
    """Fuzz a running system at ``base_url``; ``is_alive`` names each process and its state."""
    report = FuzzReport(n=n, seed=seed)
    generator = Generator(seed, Templates.load(), keys)
    started = time.monotonic()
    asyncio.run(send_all(base_url, generator.cases(n), report, concurrency))
    report.duration_s = time.monotonic() - started
    time.sleep(2.0)  # Telegram turns run after their 200; let the last ones finish
    report.alive = is_alive()
    report.conversation_after = asyncio.run(real_conversation(base_url, keys.kakao))
    report.alive = {**report.alive, **{k: v for k, v in is_alive().items() if not v}}
    return report


# -- running a system of our own ------------------------------------------------------------


def _own_system(n: int, seed: int, concurrency: int) -> FuzzReport:
    sys.path.insert(0, str(ROOT / "tests" / "bot"))
    from fake_bot_api import fake_bot_api_in_thread

    from bot.processes import ManagedProcess, Ports, free_port, system_specs
    from scripts.model_cache import ensure_model

    telegram_token = f"7{secrets.randbelow(10**9):09d}:{secrets.token_urlsafe(26)}"
    names = (
        "MINWON_SERVICE_TOKEN",
        "MINWON_SECRET_KEY",
        "MINWON_RASA_TOKEN",
        "MINWON_KAKAO_SECRET",
        "MINWON_TELEGRAM_SECRET",
    )
    keys_env = {name: secrets.token_urlsafe(32) for name in names}
    keys = Secrets(keys_env["MINWON_KAKAO_SECRET"], keys_env["MINWON_TELEGRAM_SECRET"])
    model = ensure_model()
    with (
        tempfile.TemporaryDirectory(prefix="minwon-fuzz-") as tmp,
        fake_bot_api_in_thread(telegram_token) as api,
    ):
        os.environ["MINWON_TELEGRAM_BASE_URL"] = api.base_url
        os.environ["MINWON_TELEGRAM_TOKEN"] = telegram_token
        ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
        base = Path(tmp)
        specs = system_specs(
            model,
            ports,
            base / "var",
            base / "logs",
            "test",
            {**keys_env, "MINWON_TELEGRAM_TOKEN": telegram_token},
        )
        processes = [ManagedProcess(s, base / "logs" / f"{s.name}.out") for s in specs]
        try:
            for proc in processes:
                proc.start()
                proc.wait(300)

            def alive() -> dict[str, bool]:
                return {p.spec.name: p.is_alive() for p in processes}

            report = run_against(
                f"http://127.0.0.1:{ports.rasa}", keys, n, seed, alive, concurrency
            )
            rasa_log = (base / "logs" / "rasa.out").read_text(errors="replace")
            report.conversation_after["rasa_tracebacks"] = rasa_log.count("Traceback")
            return report
        finally:
            for proc in reversed(processes):
                proc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", type=Path, default=RESULTS / "fuzz_channels.json")
    args = parser.parse_args(argv)
    report = _own_system(args.n, args.seed, args.concurrency)
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        **report.as_dict(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
