"""Throughput of whole conversations: Rasa's starter assistant against minwon, then minwon's full mix.

One invocation (``.venvs/rasa/bin/python -m bench.throughput``) measures, at 1, 10 and 50
concurrent conversations (``--levels``), through the REST channel:

1. **starter**: Rasa's own starter assistant (``rasa init --no-prompt``: default config, default
   in-memory tracker store, no action server), trained once and cached under
   ``~/.cache/minwon/bench/``, on the FAQ/chat mix;
2. **minwon, FAQ/chat mix**: the same messages (greeting, fee, hours, kiosk, thanks) to minwon,
   started as ``./minwon start`` starts it (backend, action server, Rasa; SQLite everywhere);
3. **minwon, full mix**: bench/turn_latency.py's conversation: greeting, question, certificate
   request, way of receipt, yes, name, birth date, phone and the SMS code read from the dev
   outbox, so every conversation places a real order;
4. **action-server round trips**: one full conversation through a counting proxy between Rasa and
   the action server (which actions each kind of turn calls);
5. **Kakao**: bench/kakao_latency.py (50 users x 5 turns) against the same minwon system, and
   against the N-process one when ``--rasa-processes N`` is given.

With ``--rasa-processes N`` (N > 1) the two minwon mixes run again with N Rasa processes, when
the launcher can start them (``./minwon start --rasa-processes N``, bot/launcher.py); otherwise
the result says that this part was not measured.

For every level it prints turns/s, p50/p95/p99 and the ratio of turns/s to the starter's at the
same level, and the CPU time each process (Rasa, actions, backend; SQLite runs inside the
backend and Rasa processes) spent per turn, from /proc. The machine is shared while other work
runs: the load average before and after each part is recorded beside the figures.

Writes ``bench/results/throughput.json``, ``throughput.md`` and ``throughput.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench import turn_latency
from bench.turn_latency import (
    BACKEND_BENCH_ENV,
    START_TIMEOUT_S,
    TURN_TIMEOUT_S,
    Conversation,
    Resident,
    Stop,
    converse,
    expanded_endpoints,
    load_average,
    load_residents,
    machine,
    say,
    summary,
)
from bot.processes import (
    RASA_PY,
    ROOT,
    ManagedProcess,
    Ports,
    ProcessSpec,
    free_port,
    replace_flag,
    system_specs,
)

RESULTS = ROOT / "bench" / "results"
CACHE = Path(os.environ.get("MINWON_BENCH_CACHE", Path.home() / ".cache" / "minwon" / "bench"))
KAKAO_BENCH = ROOT / "bench" / "kakao_latency.py"
# The FAQ/chat mix, the same messages bench/kakao_latency.py sends (Hangul escaped, STYLE.md).
CHAT = [
    "\uc548\ub155\ud558\uc138\uc694",  # greeting
    "\ub4f1\ubcf8 \uc218\uc218\ub8cc \uc5bc\ub9c8\uc608\uc694?",  # fee question
    "\uc8fc\ubbfc\uc13c\ud130 \uba87 \uc2dc\uae4c\uc9c0 \ud574\uc694?",  # opening hours
    "\ubb34\uc778\ubc1c\uae09\uae30 \uc5b4\ub514 \uc788\uc5b4\uc694?",  # kiosk location
    "\uace0\ub9c8\uc6cc\uc694",  # thanks
]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP_INDEX = 900_000
PACED_FIRST_INDEX = 500_000  # paced conversations' sender ids lie apart from the levels'
FULL_TURNS = 9  # a whole order: greeting, question, request, way, yes, name, birth, phone, code


# --- CPU time of the processes under test -----------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its reaped children (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[0] is the state (field 3); utime, stime, cutime, cstime are fields 14-17
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLOCK_TICKS


def _tree(pid: int) -> list[int]:
    """``pid`` and its live descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(parts[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


@dataclass
class Measured:
    """Processes whose CPU time is read around each level, by role.

    Either fixed pids per role, or (``root``) every descendant of one process classified by its
    command line, for the launcher's supervised tree of several Rasa processes.
    """

    pids: dict[str, list[int]]
    root: int | None = None

    def snapshot(self) -> dict[str, float]:
        if self.root is not None:
            out: dict[str, float] = {}
            for pid in _tree(self.root)[1:]:
                role = _role(pid)
                if role:
                    out[role] = out.get(role, 0.0) + _cpu_seconds(pid)
            return out
        return {role: sum(_cpu_seconds(p) for pid in pids for p in _tree(pid))
                for role, pids in self.pids.items()}


def cpu_ms_per_turn(before: dict[str, float], after: dict[str, float],
                    turns: int) -> dict[str, float]:
    """CPU milliseconds per turn of each role between two ``Measured.snapshot()``s."""
    return {role: round((after[role] - before[role]) * 1000 / max(1, turns), 1) for role in after}


ROLES = (("bot.rasa_server", "rasa"), ("rasa_sdk", "actions"), ("-m app", "backend"),
         ("postgres", "database"), ("redis-server", "redis"), ("haproxy", "balancer"))


def _role(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
    cmdline = cmdline.replace("\0", " ")
    return next((role for needle, role in ROLES if needle in cmdline), "")


# --- the systems under test -------------------------------------------------------------------


@dataclass
class System:
    name: str
    rasa_url: str
    backend_url: str
    measured: Measured
    log_dir: Path
    rasa_processes: int = 1


def _rasa_launcher(argv: list[str]) -> list[str]:
    """``python -m rasa <argv>`` with telemetry off, as bot/rasa_server.py runs Rasa."""
    code = ("import sys; from bot.rasa_server import _telemetry_off; _telemetry_off(); "
            "import rasa.__main__; sys.argv = ['rasa', *sys.argv[1:]]; rasa.__main__.main()")
    return [str(RASA_PY), "-c", code, *argv]


def starter_model() -> Path:
    """Rasa's starter assistant (``rasa init --no-prompt``, which trains it), cached."""
    import rasa

    cached = CACHE / f"starter-rasa-{rasa.__version__}.tar.gz"
    if cached.exists():
        return cached
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="minwon-starter-"))
    print(f"training Rasa's starter assistant in {work} (once; cached as {cached})",
          file=sys.stderr)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    started = time.monotonic()
    (work / "bot").mkdir()  # rasa init refuses a directory that does not exist
    subprocess.run(_rasa_launcher(["init", "--no-prompt", "--init-dir", str(work / "bot")]),
                   cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
    models = sorted((work / "bot" / "models").glob("*.tar.gz"))
    if not models:
        raise SystemExit("rasa init trained no model")
    shutil.copy(models[-1], cached.with_suffix(".part"))
    cached.with_suffix(".part").rename(cached)
    (CACHE / f"{cached.name}.train_seconds").write_text(f"{time.monotonic() - started:.0f}\n")
    shutil.rmtree(work, ignore_errors=True)
    return cached


def _start(processes: list[ManagedProcess]) -> None:
    for p in processes:
        p.start()
    for p in processes:
        p.wait(START_TIMEOUT_S)


def _stop(processes: list[ManagedProcess]) -> None:
    for p in reversed(processes):
        p.stop(20)


@contextmanager
def starter_system() -> Iterator[System]:
    """The starter assistant served by ``rasa run`` (REST channel, nothing else)."""
    model = starter_model()
    base = Path(tempfile.mkdtemp(prefix="minwon-bench-starter-"))
    (base / "logs").mkdir()
    credentials = base / "credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    spec = ProcessSpec(
        "rasa", _rasa_launcher(["run", "--model", str(model), "--credentials", str(credentials),
                                "--interface", "127.0.0.1", "--port", str(port)]),
        base, env, f"http://127.0.0.1:{port}/")
    process = ManagedProcess(spec, base / "logs" / "rasa.out")
    try:
        _start([process])
        assert process.popen is not None
        yield System("starter", f"http://127.0.0.1:{port}", "",
                     Measured({"rasa": [process.popen.pid]}), base / "logs")
    finally:
        _stop([process])
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def minwon_system(model: Path, rasa_env: dict[str, str] | None = None,
                  action_url: str | None = None) -> Iterator[System]:
    """Backend, action server and one Rasa server as ``./minwon start`` runs them."""
    base = Path(tempfile.mkdtemp(prefix="minwon-bench-throughput-"))
    ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
    specs = system_specs(model, ports, base / "var", base / "logs")
    extra = dict(rasa_env or {})
    if action_url:
        extra["MINWON_ACTION_URL"] = action_url
    rasa_spec = next(s for s in specs if s.name == "rasa")
    endpoints = expanded_endpoints(base / "var" / "endpoints.yml", {**rasa_spec.env, **extra})
    specs = [
        dataclasses.replace(s, env={**s.env, **BACKEND_BENCH_ENV}) if s.name == "backend"
        else dataclasses.replace(s, env={**s.env, **extra},
                                 argv=replace_flag(s.argv, "--endpoints", str(endpoints)))
        if s.name == "rasa" else s
        for s in specs
    ]
    processes = [ManagedProcess(s, base / "logs" / f"{s.name}.out") for s in specs]
    try:
        _start(processes)
        pids = {p.spec.name: [p.popen.pid] for p in processes if p.popen is not None}
        yield System("minwon", f"http://127.0.0.1:{ports.rasa}",
                     f"http://127.0.0.1:{ports.backend}", Measured(pids), base / "logs")
    finally:
        _stop(processes)
        shutil.rmtree(base, ignore_errors=True)


def launcher_has_rasa_processes() -> bool:
    """Whether ``./minwon start --rasa-processes N`` exists (bot/launcher.py)."""
    launcher = ROOT / "bot" / "launcher.py"
    return launcher.exists() and "--rasa-processes" in launcher.read_text(encoding="utf-8")


@contextmanager
def launched_system(model: Path, rasa_processes: int,
                    rasa_env: dict[str, str] | None = None) -> Iterator[System]:
    """``./minwon start --rasa-processes N`` (PostgreSQL, Redis, HAProxy, N Rasa processes)."""
    base = Path(tempfile.mkdtemp(prefix="minwon-bench-scaled-"))
    ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
    argv = [str(RASA_PY), "-m", "bot.launcher", "--rasa-processes", str(rasa_processes),
            "--model", str(model), "--var-dir", str(base / "var"), "--log-dir", str(base / "logs"),
            "--rasa-port", str(ports.rasa), "--backend-port", str(ports.backend),
            "--actions-port", str(ports.actions), "--profile", "dev"]
    env = {**os.environ, **BACKEND_BENCH_ENV, **(rasa_env or {}), "PYTHONPATH": str(ROOT)}
    out = (base / "launcher.out").open("wb")
    launcher = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S * 2
        urls = [f"http://127.0.0.1:{ports.backend}/health", f"http://127.0.0.1:{ports.rasa}/"]
        while time.monotonic() < deadline and launcher.poll() is None:
            topology = base / "var" / "topology.json"
            if topology.exists():
                urls = [*urls[:2], *json.loads(topology.read_text())["processes"].values()]
            if topology.exists() and all(_healthy(u) for u in urls):
                break
            time.sleep(2)
        else:
            tail = (base / "launcher.out").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"./minwon start --rasa-processes {rasa_processes} did not "
                               f"start:\n{tail}")
        yield System(f"minwon x{rasa_processes}", f"http://127.0.0.1:{ports.rasa}",
                     f"http://127.0.0.1:{ports.backend}", Measured({}, root=launcher.pid),
                     base / "logs", rasa_processes)
    finally:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGINT)  # the launcher's Ctrl-C stops everything
            try:
                launcher.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)  # our own process group only
                launcher.wait()
        out.close()
        shutil.rmtree(base, ignore_errors=True)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as r:  # noqa: S310 - loopback only
            return r.status == 200
    except OSError:
        return False


# --- conversations ----------------------------------------------------------------------------


Talk = Callable[[aiohttp.ClientSession, System, Conversation], Awaitable[None]]


async def chat(client: aiohttp.ClientSession, system: System, conversation: Conversation) -> None:
    """The FAQ/chat mix: five messages any assistant answers without identity or orders."""
    sender = f"bench-chat-{os.getpid()}-{conversation.index:04d}-{time.monotonic_ns()}"
    try:
        for k, text in enumerate(CHAT):
            await say(client, system.rasa_url, sender, text, conversation, f"chat{k}")
    except Stop as e:
        conversation.failure = str(e)


async def full(client: aiohttp.ClientSession, system: System, conversation: Conversation) -> None:
    """A whole certificate order (bench/turn_latency.py's conversation)."""
    await converse(client, system, conversation, True)  # type: ignore[arg-type]


async def run_level(system: System, talk: Talk, residents: list[Resident], first: int,
                    concurrency: int, conversations: int) -> dict[str, Any]:
    """``conversations`` conversations, ``concurrency`` of them at any moment."""
    convs = [Conversation(first + k, residents[(first + k) % len(residents)])
             for k in range(conversations)]
    queue = iter(convs)
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=concurrency + 2)
    cpu_before = system.measured.snapshot()
    load_before = load_average()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:

        async def worker() -> None:
            for conversation in queue:
                await talk(client, system, conversation)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall_s = time.perf_counter() - started
    cpu_after = system.measured.snapshot()
    turns = [t for c in convs for t in c.turns]
    ok_turns = [t for t in turns if t.ok]
    cpu_ms = cpu_ms_per_turn(cpu_before, cpu_after, len(turns))
    return {
        "concurrency": concurrency,
        "conversations": conversations,
        "completed": sum(1 for c in convs if not c.failure),
        "turns": len(turns),
        "wall_s": round(wall_s, 2),
        "turns_per_s": round(len(ok_turns) / wall_s, 2) if wall_s else None,
        "latency_ms": summary([t.ms for t in turns]),
        "cpu_ms_per_turn": cpu_ms,
        "cpu_share": {role: round(v / max(1e-9, wall_s) / (os.cpu_count() or 1), 3)
                      for role, v in ((r, (cpu_after[r] - cpu_before[r])) for r in cpu_after)},
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "failures": [f"#{c.index}: {c.failure}" for c in convs if c.failure][:10],
    }


async def run_mix(system: System, talk: Talk, levels: list[int], min_conversations: int,
                  label: str) -> list[dict[str, Any]]:
    residents = load_residents()
    # warm-up: the first turns build TensorFlow graphs and open connections. Its index (and so
    # its sender id) lies past every level's, or a level's conversation would continue it.
    await run_level(system, talk, residents, WARM_UP_INDEX, 1, 1)
    out, first = [], 0
    for concurrency in levels:
        conversations = max(2 * concurrency, min_conversations)
        level = await run_level(system, talk, residents, first, concurrency, conversations)
        first += conversations
        out.append(level)
        lat = level["latency_ms"]
        print(f"{label:<22} {concurrency:>3} conv: {level['turns_per_s']:>6} turns/s  "
              f"p50 {lat.get('p50')} p95 {lat.get('p95')} p99 {lat.get('p99')} ms  "
              f"{level['completed']}/{conversations} completed  cpu/turn {level['cpu_ms_per_turn']}"
              f"  load {level['load_average_after']}", file=sys.stderr)
    return out


# --- paced load: residents who pause ----------------------------------------------------------

# A resident reads the answer and types the next message: a pause before each message,
# exponential with this mean. Conversations start at random (Poisson) at the rate that offers
# the level's turns per second, whatever the answers' latency: an open load, unlike the levels
# above, where each of N conversations sends its next message the moment the answer arrives.
THINK_S = 2.0
PACED_WARM_S = 20.0  # conversations pile up to the steady number first; not measured
PACED_WINDOW_S = 30.0  # turns sent in this window after the warm-up are measured


async def run_paced(system: System, talk: Talk, residents: list[Resident], first: int,
                    rate: float, turns_per_conversation: int) -> dict[str, Any]:
    """Conversations started at random at ``rate / turns_per_conversation`` per second."""
    rng = random.Random(first)
    per_s = rate / turns_per_conversation
    end = PACED_WARM_S + PACED_WINDOW_S
    starts: list[float] = []
    at = rng.expovariate(per_s)
    while at < end:
        starts.append(at)
        at += rng.expovariate(per_s)
    convs = [Conversation(first + k, residents[(first + k) % len(residents)], think_s=THINK_S)
             for k in range(len(starts))]
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)
    cpu_before = system.measured.snapshot()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=timeout) as client:
        started = time.perf_counter()

        async def one(conversation: Conversation, delay: float) -> None:
            await asyncio.sleep(delay)
            await talk(client, system, conversation)

        await asyncio.gather(*(one(c, d) for c, d in zip(convs, starts)))
        wall_s = time.perf_counter() - started
    cpu_after = system.measured.snapshot()
    turns = [t for c in convs for t in c.turns]
    window = [t for t in turns
              if PACED_WARM_S <= t.sent_at - started < PACED_WARM_S + PACED_WINDOW_S]
    cpu_ms = cpu_ms_per_turn(cpu_before, cpu_after, len(turns))
    return {
        "offered_turns_per_s": rate,
        "think_s": THINK_S,
        "conversations": len(convs),
        "completed": sum(1 for c in convs if not c.failure),
        "turns": len(turns),
        "measured_turns": len(window),
        "measured_turns_per_s": round(sum(1 for t in window if t.ok) / PACED_WINDOW_S, 2),
        "latency_ms": summary([t.ms for t in window]),
        "within_5s": sum(1 for t in window if t.ok and t.ms <= 5000),
        "wall_s": round(wall_s, 2),
        "cpu_ms_per_turn": cpu_ms,
        "failures": [f"#{c.index}: {c.failure}" for c in convs if c.failure][:10],
    }


async def run_paced_levels(system: System, talk: Talk, rates: list[float],
                           turns_per_conversation: int, label: str) -> list[dict[str, Any]]:
    residents = load_residents()
    await run_level(system, talk, residents, WARM_UP_INDEX + 1, 1, 1)
    out, first = [], PACED_FIRST_INDEX
    for rate in rates:
        level = await run_paced(system, talk, residents, first, rate, turns_per_conversation)
        first += level["conversations"]
        out.append(level)
        lat = level["latency_ms"]
        print(f"{label:<22} {rate:>5} turns/s offered: {level['measured_turns_per_s']} served, "
              f"p50 {lat.get('p50')} p95 {lat.get('p95')} p99 {lat.get('p99')} ms, "
              f"{level['completed']}/{level['conversations']} completed, "
              f"cpu/turn {level['cpu_ms_per_turn']}", file=sys.stderr)
    return out


# --- action-server round trips ----------------------------------------------------------------


@dataclass
class CallLog:
    """What Rasa asked the action server, in order, tagged with the turn in progress."""

    turn: str = ""
    calls: list[tuple[str, str]] = dataclasses.field(default_factory=list)


@contextmanager
def counting_proxy(log: CallLog) -> Iterator[tuple[str, Callable[[str], None]]]:
    """An HTTP proxy in front of the action server that records each call's ``next_action``.

    Yields the proxy's URL and a function that sets where it forwards to (the action server's
    port is known only once the system's ports are chosen).
    """
    target: dict[str, str] = {}
    port = free_port()
    loop = asyncio.new_event_loop()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            log.calls.append((log.turn, json.loads(body).get("next_action", "?")))
        except ValueError:
            log.calls.append((log.turn, "?"))
        async with aiohttp.ClientSession() as s, s.post(
                target["url"], data=body, headers={"Content-Type": "application/json"}) as r:
            return web.Response(body=await r.read(), status=r.status,
                                content_type="application/json")

    app = web.Application(client_max_size=64 * 2**20)
    app.router.add_post("/webhook", forward)
    runner = web.AppRunner(app)
    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def point_to(url: str) -> None:
        target["url"] = url

    try:
        yield f"http://127.0.0.1:{port}/webhook", point_to
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def count_round_trips(model: Path, rasa_env: dict[str, str]) -> dict[str, Any]:
    """Action-server calls per kind of turn, for one full conversation and one chat."""
    log = CallLog()
    with counting_proxy(log) as (proxy_url, point_to):
        with minwon_system(model, rasa_env, action_url=proxy_url) as system:
            actions_port = _actions_port(system)
            point_to(f"http://127.0.0.1:{actions_port}/webhook")
            residents = load_residents()

            async def one(talk: Talk, who: Resident, index: int) -> Conversation:
                conversation = Conversation(index, who)

                # each call is tagged with the turn being sent (say's sixth argument)
                async def tagged_say(*a: Any, **kw: Any) -> str:
                    log.turn = str(a[5] if len(a) > 5 else kw.get("kind"))
                    return await real(*a, **kw)

                real = turn_latency.say
                turn_latency.say = tagged_say  # type: ignore[assignment]
                globals()["say"] = tagged_say
                try:
                    async with aiohttp.ClientSession() as client:
                        await talk(client, system, conversation)
                finally:
                    turn_latency.say = real  # type: ignore[assignment]
                    globals()["say"] = real
                return conversation

            full_conv = asyncio.run(one(full, residents[-2], 9000))
            chat_conv = asyncio.run(one(chat, residents[-3], 9001))
    per_turn: dict[str, list[str]] = {}
    for turn, action in log.calls:
        per_turn.setdefault(turn, []).append(action)
    turns = [t.kind for t in full_conv.turns] + [t.kind for t in chat_conv.turns]
    return {
        "full_conversation_completed": not full_conv.failure,
        "failure": full_conv.failure or chat_conv.failure,
        "calls_per_turn": {t: per_turn.get(t, []) for t in turns},
        "total_calls": len(log.calls),
        "turns": len(turns),
        "calls_per_turn_mean": round(len(log.calls) / max(1, len(turns)), 2),
    }


def _actions_port(system: System) -> int:
    """The action server's port, from its command line."""
    pid = system.measured.pids["actions"][0]
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return int(argv[argv.index(b"--port") + 1])


# --- Kakao ------------------------------------------------------------------------------------


def kakao(system: System, users: int) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="minwon-bench-kakao-")) / "kakao"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(RASA_PY), str(KAKAO_BENCH), "--url", system.rasa_url,
         "--secret", os.environ.get("MINWON_KAKAO_SECRET", ""), "--users", str(users),
         "--out", str(out)],
        cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    try:
        result: dict[str, Any] = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"error": done.stderr[-2000:]}
    result.pop("latencies_ms", None)
    return result


# --- report -----------------------------------------------------------------------------------


def with_ratios(levels: list[dict[str, Any]], starter: list[dict[str, Any]]) -> None:
    base = {lv["concurrency"]: lv["turns_per_s"] for lv in starter}
    for lv in levels:
        ref = base.get(lv["concurrency"])
        lv["ratio_to_starter"] = round(lv["turns_per_s"] / ref, 2) if ref else None


def _cpu_text(cpu: dict[str, float]) -> str:
    return ", ".join(f"{r} {cpu[r]}" for r in
                     ("rasa", "actions", "backend", "database", "redis", "balancer") if r in cpu)


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        "# Throughput (bench/throughput.py)", "",
        f"Measured {result['measured_at']} on {m['cpu_count']} cores ({m['cpu_model']}), "
        f"{m['memory_gb']} GB; load average before {result['load_average_before']}, after "
        f"{result['load_average_after']} (the machine is shared: absolute figures are noisy).",
        "",
        "| system | mix | Rasa processes | conversations | turns/s | p50 ms | p95 ms | p99 ms "
        "| x starter | CPU ms per turn, by process | completed | load avg (1 min) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in result["runs"]:
        for lv in run["levels"]:
            cpu_text = _cpu_text(lv["cpu_ms_per_turn"])
            lat = lv["latency_ms"]
            lines.append(
                f"| {run['system']} | {run['mix']} | {run['rasa_processes']} | "
                f"{lv['concurrency']} | {lv['turns_per_s']} | {lat.get('p50')} | {lat.get('p95')} "
                f"| {lat.get('p99')} | {lv.get('ratio_to_starter') or '–'} | {cpu_text} "
                f"| {lv['completed']}/{lv['conversations']} "
                f"| {(lv.get('load_average_after') or ['–'])[0]} |")
    paced = result.get("paced")
    if paced:
        lines += ["", f"Residents who pause ({paced['rasa_processes']} Rasa processes, full mix): "
                  "conversations start at random at the rate that offers the turns per second, "
                  f"each message after a pause of {THINK_S:g} s on average; turns sent in "
                  f"{PACED_WINDOW_S:g} s after {PACED_WARM_S:g} s of warm-up are measured.", "",
                  "| offered turns/s | served turns/s | p50 ms | p95 ms | p99 ms "
                  "| within 5 s | CPU ms per turn, by process | completed |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for lv in paced["levels"]:
            cpu_text = _cpu_text(lv["cpu_ms_per_turn"])
            lat = lv["latency_ms"]
            lines.append(
                f"| {lv['offered_turns_per_s']:g} | {lv['measured_turns_per_s']} "
                f"| {lat.get('p50')} | {lat.get('p95')} | {lat.get('p99')} "
                f"| {lv['within_5s']}/{lv['measured_turns']} | {cpu_text} "
                f"| {lv['completed']}/{lv['conversations']} |")
    calls = result.get("round_trips")
    if calls:
        lines += ["", f"Action-server calls: {calls['total_calls']} for {calls['turns']} turns "
                  f"({calls['calls_per_turn_mean']} per turn).", ""]
        for turn, names in calls["calls_per_turn"].items():
            lines.append(f"- {turn}: {len(names)} ({', '.join(names) or 'none'})")
    for part in ("kakao", "kakao_scaled"):
        k = result.get(part)
        if k and "error" not in k:
            lines += ["", f"Kakao webhook (bench/kakao_latency.py), "
                      f"{k.get('rasa_processes', 1)} Rasa process(es), "
                      f"{k.get('concurrent_users')} users x "
                      f"{k.get('turns_per_user')} turns: {json.dumps(k.get('latency_ms'))} ms, "
                      f"{k.get('throughput_rps')} requests/s, "
                      f"outcomes {json.dumps(k.get('outcomes'))}, "
                      f"{k.get('within_kakao_5s')}/{k.get('requests')} within Kakao's 5 s."]
    for note in result.get("notes", []):
        lines += ["", note]
    return "\n".join(lines) + "\n"


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paced = result.get("paced")
    fig, axes = plt.subplots(1, 3 if paced else 2, figsize=(18 if paced else 12, 4.8))
    left, right = axes[0], axes[1]
    for run in result["runs"]:
        label = f"{run['system']} {run['mix']} ({run['rasa_processes']} Rasa)"
        xs = [lv["concurrency"] for lv in run["levels"]]
        left.plot(xs, [lv["turns_per_s"] for lv in run["levels"]], "o-", label=label)
        right.plot(xs, [lv["latency_ms"].get("p95") for lv in run["levels"]], "o-", label=label)
    for ax, title, unit in ((left, "throughput", "turns per second"),
                            (right, "p95 turn latency", "ms")):
        ax.set_xscale("log")
        levels = sorted({lv["concurrency"] for run in result["runs"] for lv in run["levels"]})
        ax.set_xticks(levels, [str(x) for x in levels])
        ax.minorticks_off()
        ax.set_xlabel("concurrent conversations")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.legend(fontsize=8)
    right.axhline(300, color="grey", linestyle=":", linewidth=1)
    if paced:
        ax = axes[2]
        xs = [lv["offered_turns_per_s"] for lv in paced["levels"]]
        for q in ("p50", "p95", "p99"):
            ax.plot(xs, [lv["latency_ms"].get(q) for lv in paced["levels"]], "o-", label=q)
        ax.axhline(300, color="grey", linestyle=":", linewidth=1)
        ax.set_xlabel("offered full-mix turns per second (residents who pause)")
        ax.set_ylabel("ms")
        ax.set_title(f"open load, {paced['rasa_processes']} Rasa processes")
        ax.legend(fontsize=8)
    m = result["machine"]
    fig.suptitle(f"REST turns, {m['cpu_count']} cores ({m['cpu_model']}), "
                 f"load avg {result['load_average_before']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--min-conversations", type=int, default=5)
    parser.add_argument("--model", type=Path, help="minwon model (default: trained/cached)")
    parser.add_argument("--rasa-processes", type=int, default=0,
                        help="also measure minwon with N Rasa processes (default: the cores)")
    parser.add_argument("--validation", choices=("compiled", "off", "rasa"),
                        help="MINWON_ACTION_VALIDATION for minwon's Rasa (default: its own)")
    parser.add_argument("--only", nargs="+",
                        choices=("starter", "chat", "full", "round-trips", "kakao", "paced"),
                        help="run only these parts")
    parser.add_argument("--paced-rates", type=float, nargs="+", default=[15, 30, 45],
                        help="offered full-mix turns/s of residents who pause (N processes)")
    parser.add_argument("--kakao-users", type=int, default=50)
    parser.add_argument("--reuse", type=Path,
                        help="take the parts not run now (--only) from this earlier result JSON")
    parser.add_argument("--out", type=Path, default=RESULTS / "throughput")
    args = parser.parse_args(argv)
    parts = set(args.only or ("starter", "chat", "full", "round-trips", "kakao", "paced"))
    processes = args.rasa_processes or (os.cpu_count() or 1)

    # The voice line renders its fixed prompts with espeak-ng once, in the Rasa process, after
    # every start with an empty cache (each system here starts with a fresh var/): a minute of CPU
    # that fell inside the first levels measured and made runs of the same code differ by up to
    # half. It is a start-up cost, not a turn's, so the benchmark's systems skip it.
    rasa_env = {"MINWON_VOICE_PRERENDER": "0"}
    if args.validation:
        rasa_env["MINWON_ACTION_VALIDATION"] = args.validation
    if args.model is None and parts - {"starter"}:
        from scripts.model_cache import ensure_model

        args.model = ensure_model()
    result: dict[str, Any] = {
        "benchmark": "throughput",
        "channel": "REST POST /webhooks/rest/webhook",
        "chat_mix": "greeting, fee, opening hours, kiosk location, thanks",
        "full_mix": "greeting, question, request, way of receipt, yes, name, birth date, phone, "
                    "SMS code (an order placed)",
        "minwon_model": args.model.name if args.model else None,
        "machine": machine(),
        "load_average_before": load_average(),
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "runs": [],
        "notes": ["minwon's voice prompts are not prerendered at start (MINWON_VOICE_PRERENDER=0): "
                  "a one-time start-up cost that would fall inside the first levels"],
    }
    starter_levels: list[dict[str, Any]] = []
    if "starter" in parts:
        with starter_system() as system:
            starter_levels = asyncio.run(run_mix(system, chat, args.levels,
                                                 args.min_conversations, "starter chat"))
        result["runs"].append({"system": "rasa init starter", "mix": "chat",
                               "rasa_processes": 1, "levels": starter_levels})
    if parts & {"chat", "full", "kakao"}:
        assert args.model is not None
        with minwon_system(args.model, rasa_env) as system:
            if "chat" in parts:
                levels = asyncio.run(run_mix(system, chat, args.levels, args.min_conversations,
                                             "minwon chat"))
                with_ratios(levels, starter_levels)
                result["runs"].append({"system": "minwon", "mix": "chat", "rasa_processes": 1,
                                       "levels": levels})
            if "full" in parts:
                levels = asyncio.run(run_mix(system, full, args.levels, args.min_conversations,
                                             "minwon full"))
                with_ratios(levels, starter_levels)
                result["runs"].append({"system": "minwon", "mix": "full", "rasa_processes": 1,
                                       "levels": levels})
            if "kakao" in parts:
                result["kakao"] = kakao(system, args.kakao_users)
                print(f"kakao {args.kakao_users} users: {result['kakao'].get('latency_ms')}",
                      file=sys.stderr)
    if processes > 1 and parts & {"chat", "full", "kakao", "paced"}:
        if not launcher_has_rasa_processes():
            result["notes"].append(f"{processes} Rasa processes: not measured "
                                   "(`./minwon start --rasa-processes N` does not exist here).")
        else:
            assert args.model is not None
            with launched_system(args.model, processes, rasa_env) as system:
                for mix, talk in (("chat", chat), ("full", full)):
                    if mix not in parts:
                        continue
                    levels = asyncio.run(run_mix(system, talk, args.levels,
                                                 args.min_conversations,
                                                 f"minwon x{processes} {mix}"))
                    with_ratios(levels, starter_levels)
                    result["runs"].append({"system": "minwon", "mix": mix,
                                           "rasa_processes": processes, "levels": levels})
                if "kakao" in parts:
                    result["kakao_scaled"] = {**kakao(system, args.kakao_users),
                                              "rasa_processes": processes}
                    print(f"kakao x{processes} {args.kakao_users} users: "
                          f"{result['kakao_scaled'].get('latency_ms')}", file=sys.stderr)
                if "paced" in parts:
                    result["paced"] = {
                        "system": "minwon", "mix": "full", "rasa_processes": processes,
                        "levels": asyncio.run(run_paced_levels(
                            system, full, args.paced_rates, FULL_TURNS,
                            f"minwon x{processes} paced")),
                    }
    if "round-trips" in parts:
        assert args.model is not None
        result["round_trips"] = count_round_trips(args.model, rasa_env)
        print(f"action-server calls: {result['round_trips']['calls_per_turn']}", file=sys.stderr)
    if args.reuse:
        earlier = json.loads(args.reuse.read_text(encoding="utf-8"))
        kept = {(r["system"], r["mix"], r["rasa_processes"]) for r in result["runs"]}
        for run in earlier.get("runs", []):
            if (run["system"], run["mix"], run["rasa_processes"]) not in kept:
                run["measured_at"] = earlier.get("measured_at")
                result["runs"].append(run)
        for part in ("round_trips", "kakao", "kakao_scaled", "paced"):
            if part not in result and part in earlier:
                result[part] = earlier[part]
        starter = next((r["levels"] for r in result["runs"] if r["system"].startswith("rasa")),
                       [])
        for run in result["runs"]:
            if not run["system"].startswith("rasa"):
                with_ratios(run["levels"], starter)
        result["notes"].append(f"Parts not run at {result['measured_at']} are from "
                               f"{earlier.get('measured_at')} (their own measured_at).")
    result["load_average_after"] = load_average()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if result["runs"]:
        plot(result, args.out.with_suffix(".png"))
    args.out.with_suffix(".json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    failed = any(lv["completed"] < lv["conversations"]
                 for run in result["runs"] for lv in run["levels"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
