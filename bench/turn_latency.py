"""Turn latency of the whole system through the REST channel at 1, 10 and 50 conversations.

Starts the backend, the action server and the Rasa server exactly as ``./minwon start`` does
(``bot.processes.system_specs``) on free loopback ports with a throwaway var dir, then lets N
residents talk at once. A turn is one ``POST /webhooks/rest/webhook`` (message in, every reply
out), so NLU, policies, the action server and the backend are all inside the measurement.

Each conversation is what a resident does: a greeting, an information question (fee, hours,
kiosk), a certificate request, the way of getting it (a button), yes to the summary, then name,
birth date and phone of one of the 200 synthetic load residents, and the SMS code read from the
dev outbox (reading the code is not timed). Every conversation uses its own resident, so no two
conversations race for the same SMS code. The backend runs in the ``dev`` profile (the ``bench``
profile has no outbox route) with the SMS send limit raised so the benchmark is not throttled.

    .venvs/rasa/bin/python -m bench.turn_latency [--levels 1 10 50] [--min-conversations 5]

Prints JSON and writes ``bench/results/turn_latency.json`` and ``turn_latency.png``.

``--then CMD ...`` starts the same system, runs CMD with ``{rasa_url}`` and ``{backend_url}``
replaced, stops the system and exits with CMD's status (used by scripts/run_bench.sh for
bench/kakao_latency.py, which needs a running Rasa server).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot.processes import (
    ROOT,
    ManagedProcess,
    Ports,
    free_port,
    replace_flag,
    system_specs,
)

RESULTS = ROOT / "bench" / "results"
LOAD_RESIDENTS = ROOT / "data" / "district" / "load-residents.yml"
START_TIMEOUT_S = 300
TURN_TIMEOUT_S = 120
OUTBOX_TRIES = 10
# The backend's own SMS send limit would throttle a benchmark that confirms many identities.
# Every scripted resident talks from 127.0.0.1: the backend's per-client and global limits on
# identity challenges and order look-ups would refuse the sixth code in ten minutes
# (backend/app/settings.py), so the benchmark raises them with the SMS rate limit.
BACKEND_BENCH_ENV = {
    "MINWON_SMS_RATE_LIMIT_COUNT": "100000",
    "MINWON_LOG_LEVEL": "WARNING",
    **{f"MINWON_{name.upper()}": "100000" for name in (
        "challenge_conversation_limit_count", "challenge_client_limit_count",
        "challenge_global_limit_count", "order_lookup_conversation_limit_count",
        "order_lookup_client_limit_count")},
}

# Korean text is escaped (STYLE.md: no Hangul in .py files outside nlu/ and tests).
GREETINGS = [
    "\uc548\ub155\ud558\uc138\uc694",  # "hello"
    # "hello, I have a question"
    "\uc548\ub155\ud558\uc138\uc694~ \ubb38\uc758 \uc880 \ub4dc\ub9b4\uac8c\uc694",
    "\uc548\ub155\ud558\uc138\uc694 \ubc18\uac11\uc2b5\ub2c8\ub2e4",  # hello, nice to meet you
]
QUESTIONS = [
    "\ub4f1\ubcf8 \uc218\uc218\ub8cc \uc5bc\ub9c8\uc608\uc694?",  # fee of a resident copy
    "\uc8fc\ubbfc\uc13c\ud130 \uba87 \uc2dc\uae4c\uc9c0 \ud574\uc694?",  # opening hours
    "\ubb34\uc778\ubc1c\uae09\uae30 \uc5b4\ub514 \uc788\uc5b4\uc694?",  # where the kiosks are
]
# (request, way of getting it) pairs that the end-to-end tests show to work
REQUESTS = [
    ("\uc8fc\ubbfc\ub4f1\ub85d\ub4f1\ubcf8 \ud55c \ud1b5 \ub5bc \uc8fc\uc138\uc694", "online"),
    ("\ucd08\ubcf8 \ud55c \ud1b5 \ub5bc \uc8fc\uc138\uc694", "kiosk"),
    (
        "\uac00\uc871\uad00\uacc4\uc99d\uba85\uc11c \ud55c \ud1b5 "
        "\ubc1c\uae09\ud558\uace0 \uc2f6\uc5b4\uc694",
        "counter",
    ),
]
ASKS_METHOD = "\uc5b4\ub5bb\uac8c \ubc1b\uc73c\uc2dc\uaca0\uc5b4\uc694"  # "how will you get it"
ASKS_CONFIRM = "\uc774\ub300\ub85c \uc2e0\uccad\ud560\uae4c\uc694"  # "shall I order it so"
ASKS_IDENTITY = "\ubcf8\uc778 \ud655\uc778"  # "identity check"
CODE_SENT = "\uc778\uc99d\ubc88\ud638"  # "verification code"
ORDER_PLACED = "\uc2e0\uccad\ubc88\ud638"  # "order number"
SAY_NAME = "{name}\uc694"  # "<name>, please"
SAY_BIRTH = "{y}\ub144 {m}\uc6d4 {d}\uc77c\uc0dd\uc774\uc5d0\uc694"  # "born on y-m-d"
SAY_PHONE = "{a}-{b}-{c}\uc774\uc5d0\uc694"  # "it is 010-xxxx-xxxx"

CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


# --- the system under test -------------------------------------------------------------------




@dataclass(frozen=True)
class RunningSystem:
    rasa_url: str
    backend_url: str
    model: Path
    log_dir: Path




def expanded_endpoints(path: Path, env: dict[str, str]) -> Path:
    """endpoints.yml with its variables filled in from the Rasa process's environment.

    Rasa expands ``${VAR}`` only in unquoted YAML scalars; endpoints.yml quotes them, so they
    would reach Rasa verbatim (a tracker database file literally named ``${MINWON_TRACKER_DB}``
    shared by every run). Expanding here keeps the benchmark's tracker store in its own var dir.
    """
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    for name, value in env.items():
        text = text.replace("${%s}" % name, value)  # noqa: UP031 - literal braces
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def running_system(model: Path, keep_logs: Path | None = None) -> Iterator[RunningSystem]:
    """The backend, the action server and the Rasa server on free loopback ports."""
    base = Path(tempfile.mkdtemp(prefix="minwon-bench-"))
    ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
    specs = system_specs(model, ports, base / "var", base / "logs")
    endpoints = expanded_endpoints(base / "var" / "endpoints.yml", specs[-1].env)
    specs = [
        dataclasses.replace(s, env={**s.env, **BACKEND_BENCH_ENV}) if s.name == "backend"
        else dataclasses.replace(s, argv=replace_flag(s.argv, "--endpoints", str(endpoints)))
        if s.name == "rasa" else s
        for s in specs
    ]
    processes = [ManagedProcess(s, base / "logs" / f"{s.name}.out") for s in specs]
    try:
        # the backend and the action server start side by side; Rasa checks its action server
        # only when it runs an action, so all three can start at once
        for p in processes:
            p.start()
        for p in processes:
            p.wait(START_TIMEOUT_S)
        yield RunningSystem(f"http://127.0.0.1:{ports.rasa}",
                            f"http://127.0.0.1:{ports.backend}", model, base / "logs")
    finally:
        for p in reversed(processes):
            p.stop(20)
        if keep_logs is not None:
            shutil.copytree(base / "logs", keep_logs, dirs_exist_ok=True)
        shutil.rmtree(base, ignore_errors=True)


# --- conversations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Resident:
    name: str
    birth_date: date
    phone: str


def load_residents() -> list[Resident]:
    raw = yaml.safe_load(LOAD_RESIDENTS.read_text(encoding="utf-8"))["residents"]
    people = []
    for r in raw:
        born = r["birth_date"]
        born = born if isinstance(born, date) else date.fromisoformat(str(born))
        people.append(Resident(str(r["name"]), born, str(r["phone"])))
    return people


@dataclass
class Turn:
    kind: str
    ms: float
    ok: bool
    sent_at: float = 0.0  # time.perf_counter() when the message left


@dataclass
class Conversation:
    index: int
    resident: Resident
    turns: list[Turn] = dataclasses.field(default_factory=list)
    failure: str = ""
    order_number: str = ""
    # mean pause before each message (exponential), as a resident reads and types; 0: none
    think_s: float = 0.0


class Stop(Exception):
    """The bot did not answer as a resident would expect; the conversation ends there."""


async def say(client: aiohttp.ClientSession, rasa_url: str, sender: str, text: str,
              conversation: Conversation, kind: str, expect: str = "") -> str:
    if conversation.think_s > 0:
        await asyncio.sleep(random.expovariate(1.0 / conversation.think_s))
    started = time.perf_counter()
    ok = False
    reply = ""
    try:
        async with client.post(f"{rasa_url}/webhooks/rest/webhook",
                               json={"sender": sender, "message": text}) as r:
            body = await r.json() if r.status == 200 else []
            ok = r.status == 200
        reply = "\n".join(str(m.get("text", "")) for m in body)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
        reply = f"<{type(e).__name__}>"
    conversation.turns.append(Turn(kind, (time.perf_counter() - started) * 1000, ok, started))
    if not ok:
        raise Stop(f"{kind}: HTTP failure {reply}")
    if expect and expect not in reply:
        raise Stop(f"{kind}: unexpected reply {reply[:200]!r}")
    return reply


async def sms_code(client: aiohttp.ClientSession, backend_url: str, phone: str) -> str:
    """The newest code sent to ``phone``; the outbox is written before the challenge answers."""
    for _ in range(OUTBOX_TRIES):
        async with client.get(f"{backend_url}/dev/sms-outbox", params={"phone": phone}) as r:
            sent = await r.json() if r.status == 200 else []
        if sent:
            match = CODE.search(str(sent[-1].get("text", "")))
            if match:
                return match.group()
        await asyncio.sleep(0.2)
    raise Stop("code: no SMS in the outbox")


async def converse(client: aiohttp.ClientSession, system: RunningSystem,
                   conversation: Conversation, full: bool) -> None:
    i, who = conversation.index, conversation.resident
    sender = f"bench-turn-{os.getpid()}-{i:04d}"
    request, method = REQUESTS[i % len(REQUESTS)]
    url = system.rasa_url

    async def turn(kind: str, text: str, expect: str = "") -> str:
        return await say(client, url, sender, text, conversation, kind, expect)

    try:
        await turn("greet", GREETINGS[i % len(GREETINGS)])
        await turn("question", QUESTIONS[i % len(QUESTIONS)])
        await turn("request", request, ASKS_METHOD)
        await turn("method", '/inform{"method":"%s"}' % method, ASKS_CONFIRM)  # noqa: UP031
        await turn("affirm", "/affirm", ASKS_IDENTITY)
        if not full:
            return
        await turn("name", SAY_NAME.format(name=who.name))
        b = who.birth_date
        await turn("birth_date", SAY_BIRTH.format(y=b.year, m=b.month, d=b.day))
        p = who.phone
        await turn("phone", SAY_PHONE.format(a=p[:3], b=p[3:7], c=p[7:]), CODE_SENT)
        code = await sms_code(client, system.backend_url, who.phone)
        done = await turn("code", code, ORDER_PLACED)
        match = re.search(r"(?<!\d)(\d{8})(?!\d)", done.split(ORDER_PLACED, 1)[-1])
        conversation.order_number = match.group(1) if match else ""
    except Stop as e:
        conversation.failure = str(e)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(min(rank, len(sorted_values))) - 1]


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}
    return {
        "p50": round(percentile(ordered, 50), 1),
        "p95": round(percentile(ordered, 95), 1),
        "p99": round(percentile(ordered, 99), 1),
        "mean": round(statistics.fmean(ordered), 1),
        "max": round(ordered[-1], 1),
    }


async def run_level(system: RunningSystem, residents: list[Resident], first: int,
                    concurrency: int, conversations: int, full: bool) -> dict[str, Any]:
    """``conversations`` conversations, at most ``concurrency`` of them at any moment."""
    convs = [Conversation(first + k, residents[first + k]) for k in range(conversations)]
    queue = iter(convs)
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=concurrency + 2)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:

        async def worker() -> None:
            for conversation in queue:
                await converse(client, system, conversation, full)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall_s = time.perf_counter() - started
    turns = [t for c in convs for t in c.turns]
    per_kind: dict[str, list[float]] = {}
    for t in turns:
        per_kind.setdefault(t.kind, []).append(t.ms)
    failures = [f"#{c.index} {c.resident.name}: {c.failure}" for c in convs if c.failure]
    return {
        "concurrency": concurrency,
        "conversations": conversations,
        "completed": sum(1 for c in convs if not c.failure),
        "orders_placed": sum(1 for c in convs if c.order_number),
        "turns": len(turns),
        "wall_s": round(wall_s, 2),
        "throughput_turns_per_s": round(len(turns) / wall_s, 2) if wall_s else None,
        "latency_ms": summary([t.ms for t in turns]),
        "latency_ms_by_turn": {k: summary(v) for k, v in per_kind.items()},
        "failures": failures[:20],
        "_latencies": sorted(t.ms for t in turns),
    }


# --- reporting -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu_model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = result["levels"]
    xs = [lv["concurrency"] for lv in levels]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, colour in (("p50", "#2a9d8f"), ("p95", "#e9c46a"), ("p99", "#e76f51")):
        left.plot(xs, [lv["latency_ms"].get(name, float("nan")) for lv in levels], "o-",
                  color=colour, label=name)
    left.set_xscale("log")
    left.set_xticks(xs, [str(x) for x in xs])
    left.minorticks_off()
    left.set_xlabel("concurrent conversations")
    left.set_ylabel("turn latency (ms)")
    left.set_title("REST turn latency (NLU + policies + actions + backend)")
    left.legend()
    right.bar([str(x) for x in xs], [lv["throughput_turns_per_s"] or 0 for lv in levels],
              color="#1f5fbf")
    right.set_xlabel("concurrent conversations")
    right.set_ylabel("turns per second")
    m = result["machine"]
    right.set_title(f"throughput ({m['cpu_count']} cores, {m['cpu_model']})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def bench(system: RunningSystem, levels: list[int], min_conversations: int,
                full: bool) -> dict[str, Any]:
    residents = load_residents()
    needed = sum(max(c, min_conversations) for c in levels) + 1
    if needed > len(residents):
        raise SystemExit(f"{needed} conversations need {needed} residents; "
                         f"{LOAD_RESIDENTS.name} has {len(residents)}")
    # warm-up with the last resident: first calls build TensorFlow graphs and open connections
    warm = await run_level(system, residents, len(residents) - 1, 1, 1, full)
    results = []
    first = 0
    for concurrency in levels:
        conversations = max(concurrency, min_conversations)
        level = await run_level(system, residents, first, concurrency, conversations, full)
        first += conversations
        results.append(level)
        print(f"concurrency {concurrency}: p50 {level['latency_ms'].get('p50')} ms, "
              f"p95 {level['latency_ms'].get('p95')} ms, "
              f"{level['throughput_turns_per_s']} turns/s, "
              f"{level['completed']}/{conversations} conversations completed", file=sys.stderr)
    return {"warm_up_failures": warm["failures"], "levels": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--min-conversations", type=int, default=5,
                        help="conversations per level at least (more samples at low levels)")
    parser.add_argument("--until-identity", action="store_true",
                        help="stop each conversation before identity (no SMS, no order)")
    parser.add_argument("--model", type=Path, help="model archive (default: trained/cached)")
    parser.add_argument("--out", type=Path, default=RESULTS / "turn_latency")
    parser.add_argument("--keep-logs", type=Path, help="copy the processes' logs here")
    parser.add_argument("--then", nargs=argparse.REMAINDER,
                        help="start the system, run this command ({rasa_url}, {backend_url}), stop")
    args = parser.parse_args(argv)

    if args.model is None:
        from scripts.model_cache import ensure_model

        args.model = ensure_model()
    with running_system(args.model, args.keep_logs) as system:
        if args.then:
            command = [a.replace("{rasa_url}", system.rasa_url)
                       .replace("{backend_url}", system.backend_url) for a in args.then]
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
        load_before = load_average()
        measured = asyncio.run(bench(system, args.levels, args.min_conversations,
                                     not args.until_identity))
    result: dict[str, Any] = {
        "benchmark": "turn_latency",
        "channel": "REST POST /webhooks/rest/webhook",
        "conversation": "greeting, question, request, method, yes"
        + ("" if args.until_identity else ", name, birth date, phone, SMS code (order placed)"),
        "model": args.model.name,
        "backend": "dev profile, SQLite, SMS outbox; Rasa tracker store SQLite, in-memory lock",
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **measured,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    plot(result, args.out.with_suffix(".png"))
    for level in result["levels"]:
        level.pop("_latencies")
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False)
                                             + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    failed = any(lv["completed"] < lv["conversations"] for lv in result["levels"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
