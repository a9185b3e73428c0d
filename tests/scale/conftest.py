"""The scaled topology for tests/scale, started once per session as district IT starts it.

``balanced_topology``: ``./minwon start --topology scale --profile test`` on free loopback ports
in a throwaway directory: PostgreSQL and Redis (bot/local_stores.py), the backend on the same
PostgreSQL, two action servers and two Rasa processes with endpoints.scale.yml under supervisord,
HAProxy in front (bot/balancer.py). ``scale_system`` addresses its two Rasa processes directly.
``redis_server``: a bare redis-server for the lock store's own tests. Nothing is persisted.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from bot.launcher import TOPOLOGY_FILE
from bot.local_stores import TRACKER_DB, store_passwords
from bot.processes import ROOT, free_port, wait_healthy
from tests.conftest import SHARED_CLIENT_LIMITS
from tests.launcher_run import LauncherRun
from tests.system_secrets import TEST_SECRETS

# --- Redis -------------------------------------------------------------------------------------


@dataclass
class RedisServer:
    port: int
    popen: subprocess.Popen[bytes]

    def client(self, db: int = 1) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=5)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start_redis(log: Path) -> RedisServer:
    """redis-server on a loopback port, nothing written to disk."""
    port = free_port()
    with log.open("ab") as out:
        popen = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "yes"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = RedisServer(port, popen)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if server.client().ping():
                return server
        except redis.RedisError:
            time.sleep(0.1)
    server.stop()
    pytest.fail(f"redis-server did not answer:\n{log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis") / "redis.out")
    try:
        yield server
    finally:
        server.stop()


# --- the processes -----------------------------------------------------------------------------


@dataclass
class StoreClient:
    """Redis clients for the topology's redis-server (its password from the var dir)."""

    port: int
    password: str

    def client(self, db: int = 1) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, password=self.password,
                           socket_timeout=5)


@dataclass
class ScaleSystem:
    """Two Rasa instances of the balanced topology, addressed directly (not through HAProxy)."""

    rasa_a: str
    rasa_b: str
    backend_url: str
    tracker_dsn: str
    redis: StoreClient
    log_dir: Path
    rasa_env: dict[str, str] = dataclasses.field(default_factory=dict)  # reads the tracker store


@pytest.fixture(scope="session")
def scale_system(balanced_topology: BalancedTopology) -> ScaleSystem:
    """The balanced topology's two Rasa processes (one start of the topology per session)."""
    described = json.loads((balanced_topology.var_dir / TOPOLOGY_FILE).read_text("utf-8"))
    passwords = store_passwords(balanced_topology.var_dir)
    for name in ("rasa-1", "rasa-2"):  # a test before may have restarted one
        wait_healthy(balanced_topology.processes[name], TOPOLOGY_START_TIMEOUT_S)
    return ScaleSystem(
        balanced_topology.base_url("rasa-1"), balanced_topology.base_url("rasa-2"),
        balanced_topology.backend_url, balanced_topology.tracker_dsn,
        StoreClient(described["redis"]["port"], passwords["MINWON_REDIS_PASSWORD"]),
        balanced_topology.log_dir, balanced_topology.rasa_env)


# --- the balanced topology, as ./minwon start --topology scale runs it ---------------------------

TOPOLOGY_START_TIMEOUT_S = 1200  # two models loading at once on a busy 2-core machine (minutes)


@dataclass
class BalancedTopology(LauncherRun):
    """``./minwon start --topology scale --profile test`` on free ports: PostgreSQL, Redis, the
    backend, two action servers and two Rasa processes under supervisord, HAProxy in front."""

    balancer_url: str  # the public channel port (HAProxy)
    backend_url: str
    processes: dict[str, str]  # supervisord program -> its own health URL
    tracker_dsn: str
    rasa_env: dict[str, str]  # the Rasa processes' secrets (to read the encrypted tracker)

    def base_url(self, name: str) -> str:
        return self.processes[name].removesuffix("/health").rstrip("/")


def launch_topology(base: Path, model: Path, *extra_args: str,
                    env: dict[str, str] | None = None) -> BalancedTopology:
    """Starts the launcher (not waiting); ``base`` must be traversable by the postgres user."""
    ports = {"backend": free_port(), "actions": free_port(), "rasa": free_port()}
    console = base / "console.txt"
    launcher_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("MINWON_", "PYTHONPATH", "RASA_"))}
    launcher_env.update({"PYTHONPATH": str(ROOT), "MINWON_CACHE": os.environ.get(
        "MINWON_CACHE", str(Path.home() / ".cache" / "minwon")), **TEST_SECRETS, **(env or {})})
    with console.open("wb") as out:
        popen = subprocess.Popen(
            [str(ROOT / ".venvs" / "rasa" / "bin" / "python"), "-m", "bot.launcher",
             "--profile", "test", "--backend-port", str(ports["backend"]),
             "--actions-port", str(ports["actions"]), "--rasa-port", str(ports["rasa"]),
             "--var-dir", str(base / "var"), "--log-dir", str(base / "logs"),
             "--model", str(model), *extra_args],
            cwd=ROOT, env=launcher_env, stdout=out, stderr=subprocess.STDOUT)
    return BalancedTopology(popen, console, base / "var", base / "logs",
                            f"http://127.0.0.1:{ports['rasa']}",
                            f"http://127.0.0.1:{ports['backend']}", {}, "",
                            {"MINWON_SECRET_KEY": TEST_SECRETS["MINWON_SECRET_KEY"]})


def wait_topology_ready(topology: BalancedTopology) -> None:
    topology.wait_for(r"\[minwon\] ready \(test profile\)", TOPOLOGY_START_TIMEOUT_S)
    described = json.loads((topology.var_dir / TOPOLOGY_FILE).read_text(encoding="utf-8"))
    topology.processes = described["processes"]
    passwords = store_passwords(topology.var_dir)
    topology.tracker_dsn = (
        f"host=127.0.0.1 port={described['postgres']['port']} dbname={TRACKER_DB} "
        f"user={described['postgres']['user']} "
        f"password={passwords['MINWON_TRACKER_DB_PASSWORD']}")


def stop_topology(topology: BalancedTopology) -> None:
    if topology.popen.poll() is None:
        topology.popen.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            topology.popen.wait(timeout=90)
        except subprocess.TimeoutExpired:
            topology.popen.kill()
            topology.popen.wait()


@pytest.fixture(scope="session")
def balanced_topology(rasa_model: Path) -> Iterator[BalancedTopology]:
    """The balanced topology for the tests of tests/scale (one start per session)."""
    base = Path(tempfile.mkdtemp(prefix="minwon-topology-"))
    base.chmod(0o711)  # the PostgreSQL cluster under it runs as the postgres user
    # MINWON_SCALE_ENDPOINTS lets one check that the lock test fails without a shared lock store
    # (e.g. a copy of endpoints.scale.yml with `lock_store: {type: in_memory}`)
    endpoints = os.environ.get("MINWON_SCALE_ENDPOINTS", str(ROOT / "endpoints.scale.yml"))
    topology = launch_topology(base, rasa_model, "--topology", "scale", "--endpoints", endpoints,
                               env=SHARED_CLIENT_LIMITS)
    try:
        wait_topology_ready(topology)
        yield topology
    finally:
        stop_topology(topology)
        shutil.rmtree(base, ignore_errors=True)
