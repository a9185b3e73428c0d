"""``./minwon start``: checks the secrets, trains if needed, starts and supervises every process.

``--profile dev`` (the default of ``./minwon start``, or ``MINWON_PROFILE``) is for trying the
system on one machine: its conveniences are printed at start and its secrets are generated once
into ``var/dev-secrets.env``. ``--profile production`` takes every secret from the environment and
refuses to start, before anything runs, when one is missing, short or published.

Processes are supervised by supervisord (``bot/supervision.py``): a process that crashes is
started again with backoff while the others keep running, and the console says so. Each process
also writes its own log under ``logs/``. Everything listens on 127.0.0.1 only. Ctrl-C stops all.
The voice line's fixed prompts are rendered here, once, at a lower CPU priority, once the Rasa
processes answer (bot/voice/prerender.py), not inside each Rasa process.

``--rasa-processes N`` (default 1, the embedded single process; ``auto`` is one per core, at most
four, when PostgreSQL, Redis and HAProxy are installed, otherwise one) with N > 1 runs N Rasa
processes over a local PostgreSQL tracker store and a Redis lock store (endpoints.scale.yml,
data under the var dir), with HAProxy on the public ports in front of them and of
``--action-servers M`` action servers (default 1).
``--rasa-processes 1`` is the embedded single process (SQLite, in-memory locks). ``--topology
scale`` is the test and benchmark topology: two Rasa processes and two action servers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, TextIO

import httpx
import yaml

from bot import balancer, local_stores, profiles
from bot.processes import (
    ROOT,
    Ports,
    ProcessSpec,
    Topology,
    base_env,
    flag_value,
    free_port,
    scaled_system_specs,
    system_specs,
    wait_healthy,
)
from bot.supervision import SupervisionConfigError, write_config

POLL_S = 2.0
DOWN_AFTER_FAILURES = 2
MAX_AUTO_RASA_PROCESSES = 4  # each loads the model (about 1 GB of memory)
TOPOLOGY_FILE = "topology.json"


_CONSOLE = threading.Lock()


def console(text: str, stream: TextIO = sys.stdout) -> None:
    with _CONSOLE:
        stream.write(text + "\n")
        stream.flush()


def relay(source: IO[bytes]) -> None:
    """supervisord's output (every process's lines) onto this console, line by line.

    One writer for the console: supervisord reopens /dev/stderr for the listener, which on a
    redirected file would get its own offset and overwrite what the launcher writes.
    """
    for raw in iter(source.readline, b""):
        console(raw.decode("utf-8", errors="replace").rstrip("\n"))


def say(text: str) -> None:
    console(f"[minwon] {text}")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def watch(specs: list[ProcessSpec], ports: Ports, profile: str, var_dir: Path,
          stop: threading.Event) -> None:
    """Prints the URLs once everything answers, then says when a process answers again."""
    specs = [s for s in specs if s.health_url]  # PostgreSQL and Redis: supervisord's states
    try:
        for spec in specs:
            wait_healthy(spec.health_url, timeout_s=600, is_alive=lambda: not stop.is_set())
    except (TimeoutError, RuntimeError) as e:
        if not stop.is_set():
            say(f"not ready: {e}; see logs/")
        return
    secrets_where = (f"{var_dir / profiles.DEV_SECRETS_FILE}" if profile == "dev"
                     else "the environment")
    outbox = (f"  SMS outbox      http://127.0.0.1:{ports.backend}/dev/sms-outbox"
              "?phone=01012345678\n" if profile in ("dev", "test") else "")
    console(
        f"\n[minwon] ready ({profile} profile)\n"
        f"  web chat        http://127.0.0.1:{ports.rasa}/webhooks/webchat/\n"
        f"  REST webhook    POST http://127.0.0.1:{ports.rasa}/webhooks/rest/webhook"
        f"{'' if profile in ('dev', 'test') else '  (off in production)'}\n"
        f"  Rasa HTTP API   http://127.0.0.1:{ports.rasa}/  (Authorization: Bearer <JWT signed "
        f"with MINWON_RASA_TOKEN, from {secrets_where}; see docs/security.md)\n"
        f"  backend API     http://127.0.0.1:{ports.backend}/docs\n"
        f"{outbox}"
        f"{topology_lines(specs, ports)}"
        "  A process that stops is started again; the others keep running. "
        "Ctrl-C stops everything.\n"
    )
    failures = dict.fromkeys((s.name for s in specs), 0)
    while not stop.wait(POLL_S):
        for spec in specs:
            if _healthy(spec.health_url):
                # one slow answer on a busy machine is not an outage: two missed polls are
                if failures[spec.name] >= DOWN_AFTER_FAILURES:
                    say(f"{spec.name} answers again at {spec.health_url}")
                failures[spec.name] = 0
            else:
                failures[spec.name] += 1


def topology_lines(specs: list[ProcessSpec], ports: Ports) -> str:
    """The scaled topology's processes for the ready message ('' for the single process)."""
    names = [s.name for s in specs]
    if "balancer" not in names:
        return ""
    rasa = ", ".join(s.health_url.rstrip("/").removeprefix("http://") for s in specs
                     if s.name.startswith("rasa-"))
    actions = sum(1 for n in names if n.startswith("actions-"))
    return (f"  HAProxy         127.0.0.1:{ports.rasa} -> Rasa processes {rasa}; "
            f"127.0.0.1:{ports.actions} -> {actions} action server(s)\n"
            "  stores          local PostgreSQL (tracker store, backend) and Redis (lock store)\n")


def banner(profile: str, var_dir: Path, ports: Ports) -> None:
    if profile != "dev":
        say(f"profile {profile}: no dev conveniences; secrets from the environment")
        return
    lines = "\n".join(
        f"    - {c.name}: {c.detail}" for c in profiles.dev_conveniences(var_dir, ports.backend)
    )
    console(
        "[minwon] profile dev — for trying minwon on this machine, not for residents.\n"
        f"  Dev conveniences that are on:\n{lines}\n"
        "  For real use: ./minwon start --profile production (or MINWON_PROFILE=production) "
        "with the secrets set (docs/security.md)."
    )


def ports_in_use(ports: Ports) -> list[int]:
    busy = []
    for port in (ports.backend, ports.actions, ports.rasa):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                busy.append(port)
    return busy


def resolve_secrets(profile: str, var_dir: Path) -> dict[str, str]:
    """The secrets of this start; raises SecretsError for a non-dev profile that lacks one."""
    if profile == "dev":
        return profiles.dev_secrets(var_dir)
    profiles.check_secrets(profile, os.environ)
    return profiles.secrets_from_env(os.environ)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="./minwon start", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default=os.environ.get("MINWON_PROFILE") or "dev",
                        help="dev (default, for trying it), production, or test")
    parser.add_argument("--backend-port", type=int, default=8000)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var",
                        help="databases, generated config and dev secrets (default var/)")
    parser.add_argument("--log-dir", type=Path, default=ROOT / "logs")
    parser.add_argument("--model", type=Path, default=None,
                        help="a trained model (default: the cached one, trained if needed)")
    # The default stays the embedded single process (SQLite, in-memory locks): the README's
    # first command starts on embedded defaults; scaling out is asked for.
    parser.add_argument("--rasa-processes", default=os.environ.get("MINWON_RASA_PROCESSES")
                        or "1", help="Rasa processes behind HAProxy: a number, or auto (one "
                        "per core, at most 4, when PostgreSQL, Redis and HAProxy are installed); "
                        "1 (the default) is the embedded single process without them")
    parser.add_argument("--action-servers", type=int, default=None,
                        help="action servers behind HAProxy (default 1)")
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.scale.yml",
                        help="the endpoints file of every Rasa process when there are several "
                        "(default endpoints.scale.yml: the local PostgreSQL and Redis)")
    parser.add_argument("--topology", choices=("scale",), default=None,
                        help="scale: two Rasa processes and two action servers (tests, benchmarks)")
    return parser.parse_args(argv)


def scale_binaries_missing() -> list[str]:
    """What the scaled topology needs and this machine lacks."""
    missing = []
    for what, find in (("PostgreSQL", local_stores.pg_bindir), ("Redis", local_stores.redis_binary),
                       ("HAProxy", balancer.haproxy_binary)):
        try:
            find()
        except RuntimeError:
            missing.append(what)
    return missing


def choose_topology(args: argparse.Namespace, cores: int | None = None) -> tuple[Topology, str]:
    """The topology the arguments ask for, and a note when ``auto`` had to settle for one."""
    if args.topology == "scale":
        return Topology(2, 2 if args.action_servers is None else args.action_servers), ""
    actions = 1 if args.action_servers is None else args.action_servers
    if actions < 1:
        raise ValueError("--action-servers must be at least 1")
    if str(args.rasa_processes) != "auto":
        try:
            n = int(args.rasa_processes)
        except ValueError:
            raise ValueError("--rasa-processes takes a number or auto") from None
        if n < 1:
            raise ValueError("--rasa-processes must be at least 1")
        return Topology(n, actions), ""
    if cores is None:
        cores = len(os.sched_getaffinity(0))
    n = max(1, min(cores, MAX_AUTO_RASA_PROCESSES))
    if n > 1 and (missing := scale_binaries_missing()):
        return Topology(1, actions), (f"one Rasa process: {', '.join(missing)} not installed "
                                      "(scripts/setup.sh installs them)")
    return Topology(n, actions), ""


def scaled_specs(model: Path, ports: Ports, var_dir: Path, log_dir: Path, topology: Topology,
                 profile: str, secrets: dict[str, str], endpoints: Path) -> list[ProcessSpec]:
    """Prepares the local stores (created once under the var dir) and the scaled processes."""
    passwords = local_stores.store_passwords(var_dir)
    postgres = local_stores.prepare_postgres(
        var_dir / "postgres", free_port(), passwords["MINWON_TRACKER_DB_PASSWORD"])
    redis = local_stores.write_redis_config(
        var_dir / "redis", free_port(), passwords["MINWON_REDIS_PASSWORD"])
    specs = scaled_system_specs(model, ports, var_dir, log_dir, topology, postgres, redis,
                                profile, secrets, endpoints)
    # where everything listens, for tools and tests (no secret: those stay in stores.env)
    (var_dir / TOPOLOGY_FILE).write_text(json.dumps({
        "public": {"rasa": ports.rasa, "actions": ports.actions, "backend": ports.backend},
        "processes": {s.name: s.health_url for s in specs if s.health_url},
        "postgres": {"port": postgres.port, "user": postgres.user,
                     "databases": [local_stores.TRACKER_DB, local_stores.BACKEND_DB]},
        "redis": {"port": redis.port, "lock_db": 1},
    }, indent=2) + "\n", encoding="utf-8")
    return specs


def move_voice_prerender(specs: list[ProcessSpec],
                         profile: str) -> tuple[list[ProcessSpec], ProcessSpec | None]:
    """The specs with the Rasa processes told not to render the fixed voice prompts, and the
    Rasa spec the launcher renders them for instead (None: nobody renders them at start)."""
    from bot.voice.prerender import PRERENDER_ENV, credentials_prerender, prerender_wanted

    rasa = [s.name for s in specs if s.name == "rasa" or s.name.startswith("rasa-")]
    if not rasa or not prerender_wanted(profile, os.environ):
        return specs, None
    first = next(s for s in specs if s.name == rasa[0])
    credentials = flag_value(first.argv, "--credentials")
    try:
        text = Path(credentials).read_text(encoding="utf-8") if credentials else ""
        loaded = yaml.safe_load(text) if text else {}
    except (OSError, yaml.YAMLError):
        return specs, None  # Rasa says what is wrong with them; its own default applies then
    if not credentials_prerender(loaded if isinstance(loaded, dict) else {}):
        return specs, None
    moved = [dataclasses.replace(s, env={**s.env, PRERENDER_ENV: "0"}) if s.name in rasa else s
             for s in specs]
    return moved, next(s for s in moved if s.name == rasa[0])


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    ports = Ports(args.backend_port, args.actions_port, args.rasa_port)
    var_dir, log_dir = args.var_dir.resolve(), args.log_dir.resolve()
    try:
        profile = profiles.normalise_profile(args.profile)
        secrets = resolve_secrets(profile, var_dir)
    except profiles.SecretsError as e:
        console(f"[minwon] {e}", sys.stderr)
        sys.exit(2)
    try:
        topology, note = choose_topology(args)
    except ValueError as e:
        console(f"[minwon] {e}", sys.stderr)
        sys.exit(2)
    if note:
        say(note)
    if busy := ports_in_use(ports):
        say(f"port(s) {', '.join(map(str, busy))} on 127.0.0.1 are in use; stop what holds them "
            "or choose others (--backend-port, --actions-port, --rasa-port)")
        sys.exit(2)
    banner(profile, var_dir, ports)

    if args.model is not None:
        model = args.model.resolve()
    else:
        from scripts.model_cache import ensure_model  # only once the checks passed

        model = ensure_model()
    if topology.scaled:
        try:
            specs = scaled_specs(model, ports, var_dir, log_dir, topology, profile, secrets,
                                 args.endpoints.resolve())
        except (RuntimeError, ValueError, subprocess.CalledProcessError) as e:
            detail = getattr(e, "stderr", "") or ""
            console(f"[minwon] the scaled topology cannot start: {e} {detail}", sys.stderr)
            sys.exit(2)
    else:
        specs = system_specs(model, ports, var_dir, log_dir, profile, secrets)
    specs, voice_for = move_voice_prerender(specs, profile)
    env = base_env()  # supervisord's own environment holds no secret
    try:
        config = write_config(specs, var_dir, log_dir, env)
    except SupervisionConfigError as e:
        console(f"[minwon] {e}", sys.stderr)
        sys.exit(2)
    supervisord = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(config)], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert supervisord.stdout is not None
    relaying = threading.Thread(target=relay, args=(supervisord.stdout,), daemon=True)
    relaying.start()

    def stop_all(signum: int, _frame: object) -> None:
        if supervisord.poll() is None:
            supervisord.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(specs, ports, profile, var_dir, stop),
                               daemon=True)
    watcher.start()
    if voice_for is not None:
        from bot.voice.prerender import render_in_background

        health = voice_for.health_url
        render_in_background(voice_for.env, ready=lambda: _healthy(health), cancelled=stop.is_set,
                             done=lambda n: say(f"voice line: {n} fixed prompts ready"))
    say(f"supervising {', '.join(s.name for s in specs)} (supervisord); output below, logs "
        f"in {log_dir}")
    try:
        code = supervisord.wait()
    finally:
        stop.set()
        relaying.join(timeout=5)
        config.unlink(missing_ok=True)  # it holds the processes' secrets
    say("stopped")
    sys.exit(code)


if __name__ == "__main__":
    main()
