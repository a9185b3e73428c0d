"""The processes of a minwon system and how to start them; shared by the launcher and the tests.

Each process is described once (command, environment, working directory, health URL) so that
``./minwon start`` and the end-to-end test fixtures start exactly the same things. Every process
gets ``MINWON_PROFILE`` and only the secrets it uses (``bot/profiles.py``); no secret is ever on a
command line: Rasa starts through ``bot/rasa_server.py``, which reads its own from the environment.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot import balancer, profiles
from bot.balancer import Upstream
from bot.local_stores import BACKEND_DB, LocalPostgres, LocalRedis

ROOT = Path(__file__).resolve().parent.parent
RASA_REQUEST_MAX_BYTES = 2 * 1024 * 1024  # the largest channel cap (Telegram, 1 MiB) plus room
RASA_PY = ROOT / ".venvs" / "rasa" / "bin" / "python"
BACKEND_PY = ROOT / ".venvs" / "backend" / "bin" / "python"


@dataclass(frozen=True)
class Ports:
    backend: int = 8000
    actions: int = 5055
    rasa: int = 5005


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    health_url: str = ""  # empty: not an HTTP service (PostgreSQL, Redis)
    priority: int = 100  # supervisord starts lower numbers first (the stores before their users)
    stop_signal: str = "TERM"
    group: str = ""  # supervisord group (stopped together); supervisorctl says group:name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONPATH")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["PYTHONUNBUFFERED"] = "1"
    env["RASA_TELEMETRY_ENABLED"] = "false"  # Rasa's usage telemetry: off in every process
    for name in (*profiles.BACKEND_SECRETS, *profiles.RASA_SECRETS, "MINWON_PROFILE"):
        env.pop(name, None)  # each process gets its own secrets below, and nothing else
    return env


CHANNEL_ENV_DEFAULTS = (
    "MINWON_KAKAO_SECRET", "MINWON_KAKAO_BOT_IDS", "MINWON_TELEGRAM_SECRET",
    "MINWON_TELEGRAM_BASE_URL", "MINWON_TELEGRAM_WEBHOOK_URL",
)
# Masks RRNs, phones, birth dates and codes in every log record (bot/log_redaction.py); rasa_sdk
# spells the option with an underscore.
LOG_REDACTION = ("--logging-config-file", str(ROOT / "bot" / "logging.yml"))
SDK_LOG_REDACTION = ("--logging-config_file", str(ROOT / "bot" / "logging.yml"))


KAKAO_CHANNEL = "bot.kakao.channel.KakaoInput"


def _without_block(text: str, key: str) -> str:
    """``text`` (a YAML mapping) without the top-level ``key`` and its indented lines."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        top_level = bool(line.strip()) and not line[0].isspace() and not line.startswith("#")
        if top_level:
            skipping = line.split(":", 1)[0].strip() == key
        if not skipping:
            out.append(line)
    return "".join(out)


def write_credentials(var_dir: Path, env: Mapping[str, str]) -> Path:
    """credentials.yml, plus the Telegram block when a Telegram token is configured, minus the
    Kakao block when ``MINWON_KAKAO_ENABLED=0``. Rasa expands the ``${VAR}`` in it."""
    text = (ROOT / "credentials.yml").read_text(encoding="utf-8")
    if not profiles.kakao_enabled(env):
        text = _without_block(text, KAKAO_CHANNEL)
    if profiles.telegram_enabled(env):
        text += "\n" + (ROOT / "credentials.telegram.yml").read_text(encoding="utf-8")
    path = var_dir / "credentials.yml"
    path.write_text(text, encoding="utf-8")
    return path


def system_specs(
    model: Path,
    ports: Ports,
    var_dir: Path,
    log_dir: Path,
    profile: str = "dev",
    secrets: Mapping[str, str] | None = None,
) -> list[ProcessSpec]:
    """The backend, the action server and the Rasa server, in start order.

    ``secrets`` maps secret variables (``bot/profiles.py``) to values; by default they are taken
    from this process's environment, and a dev backend falls back to its built-in dev values.
    """
    secrets = dict(profiles.secrets_from_env(os.environ) if secrets is None else secrets)

    def only(names: tuple[str, ...]) -> dict[str, str]:
        return {n: secrets[n] for n in names if secrets.get(n)}

    var_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    common = {**base_env(), "MINWON_PROFILE": profile}
    backend_url = f"http://127.0.0.1:{ports.backend}"
    backend_env = {
        **common,
        "PYTHONPATH": str(ROOT / "backend"),
        "MINWON_PORT": str(ports.backend),
        **only(profiles.BACKEND_SECRETS),
        "MINWON_DATABASE_URL": os.environ.get(
            "MINWON_DATABASE_URL", f"sqlite:///{var_dir / 'backend.db'}"),
        "MINWON_LOG_FILE": str(log_dir / "backend.log"),
        "MINWON_RASA_URL": f"http://127.0.0.1:{ports.rasa}",
    }
    rasa_env = {
        **{name: "" for name in CHANNEL_ENV_DEFAULTS},
        **common,
        "PYTHONPATH": str(ROOT),
        "MINWON_BACKEND_URL": backend_url,
        "MINWON_ACTION_URL": f"http://127.0.0.1:{ports.actions}/webhook",
        "MINWON_TRACKER_DB": str(var_dir / "tracker.db"),
        "SANIC_HOST": "127.0.0.1",  # rasa_sdk listens on 0.0.0.0 unless told otherwise
    }
    actions_env = {**rasa_env, **only(profiles.ACTIONS_SECRETS)}
    rasa_env = {
        **rasa_env,
        **only(profiles.RASA_SECRETS),
        # Sanic reads SANIC_* when Rasa creates its app: bodies over this are refused (413) before
        # they are read, instead of Sanic's default 100 MB; each channel has its own smaller cap
        "SANIC_REQUEST_MAX_SIZE": str(RASA_REQUEST_MAX_BYTES),
    }
    return [
        ProcessSpec("backend", [str(BACKEND_PY), "-m", "app"], ROOT / "backend", backend_env,
                    f"{backend_url}/health"),
        ProcessSpec(
            "actions",
            [str(RASA_PY), "-m", "rasa_sdk", "--actions", "actions", "--port", str(ports.actions),
             "--log-file", str(log_dir / "actions.log"), *SDK_LOG_REDACTION],
            ROOT, actions_env, f"http://127.0.0.1:{ports.actions}/health"),
        ProcessSpec(
            "rasa",
            [str(RASA_PY), "-m", "bot.rasa_server", "--model", str(model), "--enable-api",
             "--credentials", str(write_credentials(var_dir, rasa_env)),
             "--endpoints", str(ROOT / "endpoints.yml"), "--interface", "127.0.0.1",
             "--port", str(ports.rasa), "--log-file", str(log_dir / "rasa.log"), *LOG_REDACTION],
            ROOT, rasa_env, f"http://127.0.0.1:{ports.rasa}/"),
    ]


def wait_healthy(
    url: str, timeout_s: float, is_alive: Callable[[], bool] = lambda: True
) -> None:
    """Polls ``url`` until it answers 200; TimeoutError, or RuntimeError if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_alive():
            raise RuntimeError(f"process behind {url} exited during start-up")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not healthy after {timeout_s:.0f}s")


def flag_value(argv: list[str], flag: str) -> str | None:
    """The value after ``flag`` in ``argv``, or None without one."""
    return argv[argv.index(flag) + 1] if flag in argv[:-1] else None


def replace_flag(argv: list[str], flag: str, value: str) -> list[str]:
    """``argv`` with the value after ``flag`` replaced."""
    i = argv.index(flag)
    return [*argv[: i + 1], value, *argv[i + 2 :]]


@dataclass
class ManagedProcess:
    """One process of the system started from its spec, its output appended to ``log``.

    Shared by the test fixtures and the benchmarks so they start exactly what the launcher does.
    """

    spec: ProcessSpec
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def is_alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - our own interpreters and modules
                self.spec.argv, cwd=self.spec.cwd, env=self.spec.env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, timeout_s: float) -> None:
        """Waits until healthy; raises RuntimeError with the log's tail if it is not."""
        try:
            wait_healthy(self.spec.health_url, timeout_s, is_alive=self.is_alive)
        except (TimeoutError, RuntimeError) as e:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.spec.name} did not start: {e}\n{tail}") from e

    def stop(self, timeout_s: float = 15) -> None:
        if self.is_alive():
            assert self.popen is not None
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.popen = None


# --- several Rasa processes on one machine (./minwon start --rasa-processes N) -----------------


@dataclass(frozen=True)
class Topology:
    """How many Rasa processes and action servers; more than one of either means the scaled
    arrangement: local PostgreSQL and Redis (endpoints.scale.yml) and HAProxy in front."""

    rasa_processes: int = 1
    action_servers: int = 1

    @property
    def scaled(self) -> bool:
        return self.rasa_processes > 1 or self.action_servers > 1


# The scaled topology's Rasa processes share PostgreSQL's connections (local_stores.MAX_CONNECTIONS)
SCALED_RASA_POOL = {"SQL_POOL_SIZE": "10", "SQL_MAX_OVERFLOW": "20"}


def scaled_system_specs(
    model: Path,
    ports: Ports,
    var_dir: Path,
    log_dir: Path,
    topology: Topology,
    postgres: LocalPostgres,
    redis: LocalRedis,
    profile: str = "dev",
    secrets: Mapping[str, str] | None = None,
    endpoints: Path = ROOT / "endpoints.scale.yml",
) -> list[ProcessSpec]:
    """PostgreSQL, Redis, the backend, M action servers, N Rasa processes and HAProxy.

    The public ports of ``ports`` are HAProxy's (Rasa's channels and HTTP API on ``ports.rasa``,
    the action servers on ``ports.actions``); each Rasa process and action server listens on a
    free loopback port of its own. Every Rasa process uses endpoints.scale.yml with the local
    stores; the backend uses the same PostgreSQL unless ``MINWON_DATABASE_URL`` is set.
    """
    backend, actions, rasa = system_specs(model, ports, var_dir, log_dir, profile, secrets)
    store_env = {**postgres.tracker_env(), **redis.lock_env()}
    backend_env = dict(backend.env)
    if not os.environ.get("MINWON_DATABASE_URL"):
        backend_env["MINWON_DATABASE_URL"] = postgres.sqlalchemy_url(BACKEND_DB)
    specs = [
        ProcessSpec("postgres", postgres.server_argv(), Path("/"), base_env(), priority=10,
                    stop_signal="INT"),  # SIGINT: PostgreSQL's fast shutdown
        ProcessSpec("redis", redis.argv(), redis.config.parent, base_env(), priority=10),
        dataclasses.replace(backend, env=backend_env, priority=20),
    ]
    action_upstreams: list[Upstream] = []
    for i in range(1, topology.action_servers + 1):
        port = free_port()
        name = f"actions-{i}"
        argv = replace_flag(replace_flag(actions.argv, "--port", str(port)), "--log-file",
                            str(log_dir / f"{name}.log"))
        specs.append(ProcessSpec(name, argv, actions.cwd, dict(actions.env),
                                 f"http://127.0.0.1:{port}/health", priority=30, group="actions"))
        action_upstreams.append(Upstream(name, port))
    rasa_upstreams: list[Upstream] = []
    rasa_argv = replace_flag(rasa.argv, "--endpoints", str(endpoints))
    for i in range(1, topology.rasa_processes + 1):
        port = free_port()
        name = f"rasa-{i}"
        argv = replace_flag(replace_flag(rasa_argv, "--port", str(port)), "--log-file",
                            str(log_dir / f"{name}.log"))
        env = {**rasa.env, **store_env, **SCALED_RASA_POOL}
        specs.append(ProcessSpec(name, argv, rasa.cwd, env, f"http://127.0.0.1:{port}/",
                                 priority=40, group="rasa"))
        rasa_upstreams.append(Upstream(name, port))
    config = balancer.write_config(var_dir, balancer.haproxy_config(
        ports.rasa, rasa_upstreams, ports.actions, action_upstreams))
    balancer.check_config(config)
    specs.append(ProcessSpec("balancer", balancer.haproxy_argv(config), var_dir, base_env(),
                             f"http://127.0.0.1:{ports.rasa}/", priority=50))
    return specs
