"""Voice line benchmark: prompt rendering (uncached and cached) and TwiML turns under load.

1. **TTS**: the first ``--prompts`` fixed voice prompts rendered into an empty cache (pyttsx3 +
   espeak-ng's Korean voice, then sox to 8 kHz μ-law/PCM/sln), then looked up again (cached).
2. **TwiML turns**: ``--calls`` calls, ``--concurrency`` at a time, against a system this script
   starts (as ``bench/turn_latency.py`` does) or ``--url`` of a running Rasa server; each call
   dials, chooses 증명서 발급, 등본, one copy and the kiosk by keypad, hears the order read back
   and hangs up (no identity step, so no SMS limits are touched). Every POST to
   ``/webhooks/voice/twiml`` is one turn; its time includes rendering any new prompt audio.

    .venvs/rasa/bin/python -m bench.voice                 # both parts, own system
    .venvs/rasa/bin/python -m bench.voice --url http://127.0.0.1:5005 --skip-tts

Results: ``bench/results/voice.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.turn_latency import machine, running_system, summary  # noqa: E402
from bot.voice.prerender import fixed_voice_texts  # noqa: E402
from bot.voice.tts import SpeechOut  # noqa: E402

RESULTS = ROOT / "bench" / "results"
# digits a caller presses after the greeting, one per turn (certificate, 등본, 1 copy, kiosk)
KEYS = ("1", "1", "1#", "1")


def bench_tts(prompts: int) -> dict[str, Any]:
    texts = fixed_voice_texts()[:prompts]
    with tempfile.TemporaryDirectory(prefix="minwon-tts-") as tmp:
        speech = SpeechOut(Path(tmp))
        uncached: list[float] = []
        for text in texts:
            started = time.perf_counter()
            speech.render_sync(text)
            uncached.append((time.perf_counter() - started) * 1000)
        cached: list[float] = []
        for text in texts:
            started = time.perf_counter()
            speech.render_sync(text)
            cached.append((time.perf_counter() - started) * 1000)
        seconds = [
            os.path.getsize(speech.cached(t).ulaw_wav) / 8000  # type: ignore[union-attr]
            for t in texts
        ]
    return {
        "prompts": len(texts),
        "characters_mean": round(statistics.fmean(len(t) for t in texts), 1),
        "audio_seconds_mean": round(statistics.fmean(seconds), 2),
        "uncached_ms": summary(uncached),
        "cached_ms": {k: round(v, 3) for k, v in summary_precise(cached).items()},
        "pyttsx3_misses_rendered_by_espeak_cli": speech.fallbacks,
    }


def summary_precise(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": ordered[len(ordered) // 2], "p95": ordered[int(len(ordered) * 0.95) - 1],
            "max": ordered[-1]}


async def one_call(client: aiohttp.ClientSession, url: str, index: int,
                   latencies: list[float], failures: list[str]) -> None:
    sid = "CAbench" + uuid.uuid4().hex
    caller = f"+8210{9000_0000 + index:08d}"

    async def post(**fields: str) -> str:
        form = {"CallSid": sid, "From": caller, "To": "+8227000000", "AccountSid": "ACbench",
                "CallStatus": "in-progress", "Direction": "inbound", **fields}
        started = time.perf_counter()
        async with client.post(url, data=form) as response:
            body = await response.text()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
        latencies.append((time.perf_counter() - started) * 1000)
        return body

    try:
        await post(CallStatus="ringing")
        for digits in KEYS:
            body = await post(Digits=digits)
            if "<Gather" not in body:
                raise RuntimeError("the call ended early")
        await post(CallStatus="completed")
    except Exception as e:  # noqa: BLE001 - recorded and reported
        failures.append(f"call {index}: {e}")


async def bench_twiml(rasa_url: str, calls: int, concurrency: int) -> dict[str, Any]:
    url = f"{rasa_url}/webhooks/voice/twiml"
    latencies: list[float] = []
    failures: list[str] = []
    # one call first: renders the prompts every call hears (as pre-rendering would at start)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as client:
        warm: list[float] = []
        await one_call(client, url, 0, warm, failures)
        queue = iter(range(1, calls + 1))

        async def worker() -> None:
            for index in queue:
                await one_call(client, url, index, latencies, failures)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {
        "calls": calls,
        "concurrency": concurrency,
        "turns": len(latencies),
        "wall_s": round(wall, 2),
        "turns_per_s": round(len(latencies) / wall, 2) if wall else None,
        "latency_ms": summary(latencies),
        "warm_up_call_ms": summary(warm),
        "failures": failures[:20],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=40)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--url", help="a running Rasa server (default: start a system)")
    parser.add_argument("--skip-tts", action="store_true")
    parser.add_argument("--skip-twiml", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "voice.json")
    args = parser.parse_args(argv)

    result: dict[str, Any] = {"machine": machine(), "load_average_before": os.getloadavg()}
    if not args.skip_tts:
        result["tts"] = bench_tts(args.prompts)
        print(json.dumps(result["tts"], ensure_ascii=False, indent=2))
    if not args.skip_twiml:
        if args.url:
            result["twiml"] = asyncio.run(bench_twiml(args.url, args.calls, args.concurrency))
        else:
            from scripts.model_cache import ensure_model

            with running_system(ensure_model()) as system:
                result["twiml"] = asyncio.run(
                    bench_twiml(system.rasa_url, args.calls, args.concurrency))
        print(json.dumps(result["twiml"], ensure_ascii=False, indent=2))
    result["load_average_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
