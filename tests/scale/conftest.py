"""Two Rasa servers over one PostgreSQL tracker store and one Redis lock store.

The stores are configured by endpoints.scale.yml, as in deploy/compose.yml.

Starts, on free loopback ports and in a throwaway directory: a PostgreSQL cluster (initdb and
pg_ctl, the approach of backend/app/testing/pg_cluster.py, copied because the backend lives in
another environment), a redis-server, the backend (on the same cluster, its own database), one
action server and two Rasa servers that share everything but their port. Nothing is persisted.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from bot.processes import (
    ROOT,
    ManagedProcess,
    Ports,
    free_port,
    replace_flag,
    system_specs,
)

START_TIMEOUT_S = 240
TRACKER_DB = "rasa_tracker"
BACKEND_DB = "minwon"


# --- PostgreSQL --------------------------------------------------------------------------------


def pg_bindir() -> Path:
    candidates: list[str] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                             check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    pytest.fail("no initdb: install PostgreSQL (scripts/setup.sh does)")


@dataclass
class PgCluster:
    root: Path
    port: int
    bindir: Path
    as_user: str | None

    def run(self, *args: str) -> None:
        command = list(args)
        if self.as_user:  # initdb refuses to run as root
            command = ["runuser", "-u", self.as_user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd="/")

    def createdb(self, name: str) -> None:
        self.run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", "postgres", name)

    def stop(self) -> None:
        try:
            self.run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                     "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_pg() -> PgCluster:
    """A fast, unsafe (fsync off) cluster with trust authentication on a loopback port."""
    bindir = pg_bindir()
    as_user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="minwon-scale-pg-"))
    if as_user:
        shutil.chown(root, user=as_user)
    cluster = PgCluster(root, free_port(), bindir, as_user)
    data, sockets = root / "data", root / "sock"
    cluster.run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                "--no-sync", "-E", "UTF8", "--locale=C")
    cluster.run("mkdir", "-p", str(sockets))
    options = (f"-p {cluster.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
    cluster.run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                str(root / "server.log"), "-w", "start")
    return cluster


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
class ScaleSystem:
    rasa_a: str
    rasa_b: str
    backend_url: str
    pg: PgCluster
    redis: RedisServer
    log_dir: Path
    rasa_env: dict[str, str] = dataclasses.field(default_factory=dict)  # reads the tracker store

    @property
    def tracker_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.pg.port} dbname={TRACKER_DB} user=postgres"


@pytest.fixture(scope="module")
def scale_system(rasa_model: Path) -> Iterator[ScaleSystem]:
    base = Path(tempfile.mkdtemp(prefix="minwon-scale-"))
    logs = base / "logs"
    logs.mkdir()
    pg = start_pg()
    red: RedisServer | None = None
    processes: list[ManagedProcess] = []
    try:
        pg.createdb(TRACKER_DB)
        pg.createdb(BACKEND_DB)
        red = start_redis(logs / "redis.out")
        ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
        port_b = free_port()
        backend, actions, rasa = system_specs(rasa_model, ports, base / "var", logs)
        backend = dataclasses.replace(backend, env={
            **backend.env,
            "MINWON_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{pg.port}/{BACKEND_DB}",
        })
        scale_env = {
            **rasa.env,
            "MINWON_TRACKER_DB_HOST": "127.0.0.1",
            "MINWON_TRACKER_DB_PORT": str(pg.port),
            "MINWON_TRACKER_DB_NAME": TRACKER_DB,
            "MINWON_TRACKER_DB_USER": "postgres",
            "MINWON_TRACKER_DB_PASSWORD": "",
            "MINWON_REDIS_HOST": "127.0.0.1",
            "MINWON_REDIS_PORT": str(red.port),
            "MINWON_REDIS_LOCK_DB": "1",
            "MINWON_REDIS_PASSWORD": "",
        }
        # MINWON_SCALE_ENDPOINTS lets one check that the lock test fails without a shared lock
        # store (e.g. a copy of endpoints.scale.yml with `lock_store: {type: in_memory}`)
        endpoints = os.environ.get("MINWON_SCALE_ENDPOINTS", str(ROOT / "endpoints.scale.yml"))
        rasa_argv = replace_flag(rasa.argv, "--endpoints", endpoints)
        rasa_a = dataclasses.replace(
            rasa, name="rasa-a", env=scale_env,
            argv=replace_flag(rasa_argv, "--log-file", str(logs / "rasa-a.log")))
        rasa_b = dataclasses.replace(
            rasa, name="rasa-b", env=scale_env,
            argv=replace_flag(replace_flag(rasa_argv, "--log-file", str(logs / "rasa-b.log")),
                              "--port", str(port_b)),
            health_url=f"http://127.0.0.1:{port_b}/")
        processes = [ManagedProcess(s, logs / f"{s.name}.out") for s in (backend, actions, rasa_a, rasa_b)]
        # all four start at once: the model loads twice in parallel; both Rasa instances may try
        # to create the events table, which Rasa tolerates (it retries the connection)
        for p in processes:
            p.start()
        for p in processes:
            p.wait(START_TIMEOUT_S)
        yield ScaleSystem(rasa_a.health_url.rstrip("/"), rasa_b.health_url.rstrip("/"),
                          f"http://127.0.0.1:{ports.backend}", pg, red, logs, scale_env)
    finally:
        for p in reversed(processes):
            p.stop(10)
        if red is not None:
            red.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)
