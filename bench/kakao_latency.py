"""Kakao webhook latency at N concurrent residents against a running Rasa server.

Each virtual resident has its own botUserKey and sends a few turns one after another (the next
turn starts when the previous answer arrives), as people do; all residents run at once. Kakao's
limit is 5 s per answer; the channel answers within ``sync_budget_s`` (3.5 s) or switches to the
callback/"show answer" path, which is counted separately.

    python bench/kakao_latency.py --url http://127.0.0.1:5005 --secret "$KAKAO_SKILL_SECRET"

Prints JSON and writes ``bench/results/kakao_latency.json`` and ``kakao_latency.png``.
``--stub`` measures the channel alone (a Sanic app with a no-op dialogue, no model), which
separates the channel's own overhead from Rasa's NLU, policies and actions.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PAYLOAD = ROOT / "tests" / "payloads" / "kakao" / "skill_text.json"
# a short conversation per resident: questions the bot answers without identity or backend writes
UTTERANCES = [
    "\uc548\ub155\ud558\uc138\uc694",  # greeting
    "\ub4f1\ubcf8 \uc218\uc218\ub8cc \uc5bc\ub9c8\uc608\uc694?",  # fee question
    "\uc8fc\ubbfc\uc13c\ud130 \uba87 \uc2dc\uae4c\uc9c0 \ud574\uc694?",  # opening hours
    "\ubb34\uc778\ubc1c\uae09\uae30 \uc5b4\ub514 \uc788\uc5b4\uc694?",  # kiosk location
    "\uace0\ub9c8\uc6cc\uc694",  # thanks
]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(q / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def resident(
    client: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    index: int,
    turns: int,
    template: dict[str, Any],
    results: list[dict[str, Any]],
) -> None:
    for turn in range(turns):
        body = copy.deepcopy(template)
        body["userRequest"]["user"]["id"] = f"bench{os.getpid()}u{index:04d}"
        body["userRequest"]["utterance"] = UTTERANCES[turn % len(UTTERANCES)]
        started = time.perf_counter()
        outcome = "error"
        status = 0
        try:
            async with client.post(url, json=body, headers=headers) as r:
                status = r.status
                answer = await r.json() if status == 200 else {}
            if status == 200:
                quick = answer.get("template", {}).get("quickReplies", [])
                if answer.get("useCallback"):
                    outcome = "callback"
                elif len(quick) == 1 and "minwon_more" in quick[0].get("extra", {}):
                    outcome = "late"
                else:
                    outcome = "answered"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            pass
        results.append(
            {"ms": (time.perf_counter() - started) * 1000, "outcome": outcome, "status": status}
        )


async def run(url: str, secret: str, users: int, turns: int) -> dict[str, Any]:
    template = json.loads(PAYLOAD.read_text(encoding="utf-8"))
    headers = {"X-Skill-Token": secret} if secret else {}
    results: list[dict[str, Any]] = []
    # aiohttp as the load generator: httpx/httpcore spend milliseconds per request probing for
    # an async library under load in this environment, which would be measured as server time
    connector = aiohttp.TCPConnector(limit=users + 1)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        # one warm-up turn so model loading and first-call caches are not measured
        await resident(client, url, headers, 9999, 1, template, [])
        started = time.perf_counter()
        await asyncio.gather(
            *(resident(client, url, headers, i, turns, template, results) for i in range(users))
        )
        wall_s = time.perf_counter() - started
    latencies = sorted(r["ms"] for r in results)
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    return {
        "url": url,
        "concurrent_users": users,
        "turns_per_user": turns,
        "requests": len(results),
        "wall_s": round(wall_s, 2),
        "throughput_rps": round(len(results) / wall_s, 1) if wall_s else None,
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(latencies[-1], 1) if latencies else None,
            "mean": round(statistics.fmean(latencies), 1) if latencies else None,
        },
        "outcomes": outcomes,
        "within_kakao_5s": sum(1 for v in latencies if v < 5000),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "_latencies": latencies,
    }


async def run_stub(users: int, turns: int) -> dict[str, Any]:
    """The channel alone: KakaoInput on a local Sanic app whose dialogue answers at once."""
    sys.path.insert(0, str(ROOT))
    from rasa.core.channels.channel import UserMessage
    from sanic import Sanic

    from bot.kakao.channel import KakaoInput

    async def dialogue(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})

    channel = KakaoInput(secret="bench")  # noqa: S106 - a throwaway local secret
    app = Sanic("kakao_bench_stub")
    app.config.ACCESS_LOG = False
    app.blueprint(channel.blueprint(dialogue), url_prefix="/webhooks/kakao")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        url = f"http://127.0.0.1:{port}/webhooks/kakao/webhook"
        result = await run(url, "bench", users, turns)
        result["mode"] = "stub dialogue (channel overhead only)"
        return result
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latencies = result["_latencies"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.hist(latencies, bins=40, color="#1f5fbf", alpha=0.8)
    for name, colour in (("p50", "#2a9d8f"), ("p95", "#e9c46a"), ("p99", "#e76f51")):
        value = result["latency_ms"][name]
        ax.axvline(value, color=colour, linestyle="--", label=f"{name} {value:.0f} ms")
    ax.axvline(3500, color="grey", linestyle=":", label="sync budget 3.5 s")
    ax.set_xlabel("webhook latency (ms)")
    ax.set_ylabel("requests")
    ax.set_title(
        f"Kakao webhook, {result['concurrent_users']} concurrent residents, "
        f"{result['requests']} requests ({result.get('mode', 'Rasa server')})"
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="Rasa server base URL")
    parser.add_argument("--secret", default=os.environ.get("KAKAO_SKILL_SECRET", ""))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--stub", action="store_true", help="channel only, no Rasa server")
    parser.add_argument("--out", default=str(RESULTS / "kakao_latency"))
    args = parser.parse_args(argv)
    if args.stub:
        result = asyncio.run(run_stub(args.users, args.turns))
    else:
        url = args.url.rstrip("/") + "/webhooks/kakao/webhook"
        result = asyncio.run(run(url, args.secret, args.users, args.turns))
        result["mode"] = "Rasa server"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    plot(result, out.with_suffix(".png"))
    result.pop("_latencies")
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["outcomes"].get("error", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
