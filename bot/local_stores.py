"""PostgreSQL and Redis from Debian's packages, on this machine's loopback.

Used by ``./minwon start --rasa-processes N`` (N > 1: the shared tracker and lock stores of
endpoints.scale.yml, run under supervisord like every other process) and by the tests and
benchmarks of the scaled topology (throwaway instances in a temporary directory).

The launcher's stores keep their data under the var dir and are protected by passwords generated
once into ``<var>/stores.env`` (mode 0600); no password is ever on a command line (Redis reads
its from a 0600 config file, PostgreSQL's role is created through psql's standard input). The
throwaway test cluster trusts loopback connections: it lives for one test session.
"""

from __future__ import annotations

import glob
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TRACKER_DB = "rasa_tracker"  # Rasa's tracker store (endpoints.scale.yml)
BACKEND_DB = "minwon"  # the backend's database
APP_ROLE = "minwon"  # the role Rasa and the backend log in as (the launcher's cluster)
STORES_ENV = "stores.env"
# Rasa's SQL tracker store opens up to pool + overflow connections per process (50 + 100 by
# default): a few Rasa processes must stay under max_connections.
MAX_CONNECTIONS = 300


class StoresNotFound(RuntimeError):
    """PostgreSQL's or Redis's server is not installed (scripts/setup.sh installs them)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bindir() -> Path:
    candidates: list[str] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"],  # noqa: S607 - Debian's, on the PATH
                             capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise StoresNotFound("no PostgreSQL server (initdb) found: run scripts/setup.sh")


def redis_binary() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if not found:
        raise StoresNotFound("no redis-server found: run scripts/setup.sh")
    return found


def _pg_os_user() -> str | None:
    # initdb and postgres refuse to run as root: as root the cluster belongs to `postgres`
    return "postgres" if os.geteuid() == 0 else None


@dataclass
class LocalPostgres:
    """A PostgreSQL cluster in ``root`` (data/, sock/, server.log) on a loopback port."""

    root: Path
    port: int
    bindir: Path
    os_user: str | None
    password: str = ""  # APP_ROLE's password; empty for the trusting throwaway cluster
    fast: bool = False  # fsync off: for throwaway clusters only

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def sockets(self) -> Path:
        return self.root / "sock"

    @property
    def user(self) -> str:
        return APP_ROLE if self.password else "postgres"

    def _as_owner(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", self.os_user, "--", *argv] if self.os_user else argv

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self._as_owner(list(args)),  # noqa: S603 - PostgreSQL's own tools
                              check=True, capture_output=True,
                              text=True, input=stdin, cwd="/")

    def settings(self) -> list[str]:
        options = [f"port={self.port}", f"unix_socket_directories={self.sockets}",
                   "unix_socket_permissions=0700", "listen_addresses=127.0.0.1",
                   f"max_connections={MAX_CONNECTIONS}"]
        if self.fast:
            options += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        return options

    def server_argv(self) -> list[str]:
        """The server in the foreground, for supervisord (SIGINT is its fast shutdown)."""
        argv = [str(self.bindir / "postgres"), "-D", str(self.data)]
        for option in self.settings():
            argv += ["-c", option]
        return self._as_owner(argv)

    def start(self) -> None:
        """Starts the cluster in the background (pg_ctl) and waits until it accepts connections."""
        options = " ".join(f"-c {o}" for o in self.settings())
        self.run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                 str(self.root / "server.log"), "-w", "start")

    def stop(self, remove: bool = False) -> None:
        try:
            self.run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast" if not
                     remove else "immediate", "-w", "stop")
        finally:
            if remove:
                shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Runs ``sql`` as the superuser over the (owner-only) Unix socket; SQL on stdin."""
        return self.run(str(self.bindir / "psql"), "-h", str(self.sockets), "-p", str(self.port),
                        "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt",
                        "-f", "-", stdin=sql).stdout

    def createdb(self, name: str, owner: str = "postgres") -> None:
        """Creates database ``name`` unless it exists."""
        # names are this module's constants, never input
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608
        exists = exists.strip()
        if not exists:
            self.psql(f'CREATE DATABASE "{name}" OWNER "{owner}";')

    def sqlalchemy_url(self, database: str, driver: str = "psycopg") -> str:
        auth = f"{self.user}:{self.password}" if self.password else self.user
        return f"postgresql+{driver}://{auth}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str) -> str:
        """A libpq connection string (psycopg2, psql) for ``database``."""
        password = f" password={self.password}" if self.password else ""
        return f"host=127.0.0.1 port={self.port} dbname={database} user={self.user}{password}"

    def tracker_env(self) -> dict[str, str]:
        """The ``MINWON_TRACKER_DB_*`` variables endpoints.scale.yml reads."""
        return {
            "MINWON_TRACKER_DB_HOST": "127.0.0.1",
            "MINWON_TRACKER_DB_PORT": str(self.port),
            "MINWON_TRACKER_DB_NAME": TRACKER_DB,
            "MINWON_TRACKER_DB_USER": self.user,
            "MINWON_TRACKER_DB_PASSWORD": self.password,
        }


def _reachable(root: Path, os_user: str) -> bool:
    probe = subprocess.run(  # noqa: S603 - util-linux's runuser, coreutils' test
        ["runuser", "-u", os_user, "--", "test", "-w", str(root)],  # noqa: S607
        check=False, capture_output=True)
    return probe.returncode == 0


def _make_root(root: Path, os_user: str | None) -> None:
    root.mkdir(parents=True, exist_ok=True)
    if os_user:
        shutil.chown(root, user=os_user)
        # the cluster's OS user must be able to reach its directory
        if not _reachable(root, os_user):
            raise StoresNotFound(
                f"the {os_user} user cannot write {root}: choose a --var-dir every user can "
                "traverse (its parents need the x permission)")
    root.chmod(0o700)


def cluster_root(wanted: Path) -> Path:
    """``wanted``, or, when the cluster's OS user (as root: postgres) cannot reach it (a var
    dir under a private home), a directory of its own in that user's home, named after it."""
    os_user = _pg_os_user()
    if not os_user:
        return wanted
    wanted.mkdir(parents=True, exist_ok=True)
    shutil.chown(wanted, user=os_user)
    if _reachable(wanted, os_user):
        return wanted
    home = Path(os.path.expanduser(f"~{os_user}"))
    digest = hashlib.sha256(str(wanted.resolve()).encode()).hexdigest()[:12]
    return home / f"minwon-{digest}"


def _initdb(cluster: LocalPostgres, auth_host: str) -> None:
    cluster.run(str(cluster.bindir / "initdb"), "-D", str(cluster.data), "-U", "postgres",
                "--auth-local=trust", f"--auth-host={auth_host}", "--no-sync", "-E", "UTF8",
                "--locale=C")
    cluster.run("mkdir", "-p", str(cluster.sockets))


def prepare_postgres(root: Path, port: int, password: str) -> LocalPostgres:
    """The launcher's cluster in ``root``: created once (role APP_ROLE with ``password``, the
    tracker's and the backend's databases), left stopped for supervisord to run.

    Loopback TCP needs the password (scram-sha-256); the Unix socket is for the cluster's owner.
    """
    cluster = LocalPostgres(cluster_root(root), port, pg_bindir(), _pg_os_user(), password)
    _make_root(cluster.root, cluster.os_user)
    if not (cluster.data / "PG_VERSION").exists():
        _initdb(cluster, "scram-sha-256")
    cluster.start()
    try:
        # the password (URL-safe characters only) goes on psql's stdin, never on a command line
        cluster.psql(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + APP_ROLE +
            "') THEN CREATE ROLE " + APP_ROLE + " LOGIN; END IF; END $$;\n"
            f"ALTER ROLE {APP_ROLE} PASSWORD '{password}';")
        for database in (TRACKER_DB, BACKEND_DB):
            cluster.createdb(database, owner=APP_ROLE)
    finally:
        cluster.stop()
    return cluster


def start_throwaway_postgres() -> LocalPostgres:
    """A fast, unsafe (fsync off) cluster in a temporary directory, trusting loopback; started."""
    os_user = _pg_os_user()
    root = Path(tempfile.mkdtemp(prefix="minwon-pg-"))
    cluster = LocalPostgres(root, free_port(), pg_bindir(), os_user, fast=True)
    _make_root(root, os_user)
    _initdb(cluster, "trust")
    cluster.start()
    return cluster


# --- Redis -------------------------------------------------------------------------------------


@dataclass
class LocalRedis:
    """A redis-server on a loopback port that writes nothing to disk."""

    port: int
    config: Path  # mode 0600: it holds the password
    password: str = ""

    def argv(self) -> list[str]:
        return [redis_binary(), str(self.config)]

    def lock_env(self) -> dict[str, str]:
        """The ``MINWON_REDIS_*`` variables endpoints.scale.yml reads (locks in db 1)."""
        return {
            "MINWON_REDIS_HOST": "127.0.0.1",
            "MINWON_REDIS_PORT": str(self.port),
            "MINWON_REDIS_LOCK_DB": "1",
            "MINWON_REDIS_PASSWORD": self.password,
        }


def write_redis_config(directory: Path, port: int, password: str = "") -> LocalRedis:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"port {port}", "bind 127.0.0.1", "protected-mode yes", 'save ""',
             "appendonly no", f"dir {directory}", "daemonize no", "logfile \"\""]
    if password:
        lines.append(f"requirepass {password}")
    path = directory / "redis.conf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# Written by bot/local_stores.py at every start.\n" + "\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return LocalRedis(port, path, password)


def wait_redis(port: int, password: str = "", timeout_s: float = 20) -> bool:
    """True once redis answers PING on ``port`` (a plain socket: no client library needed)."""
    deadline = time.monotonic() + timeout_s
    auth = f"AUTH {password}\r\n".encode() if password else b""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(auth + b"PING\r\n")
                answer = b""
                while b"PONG" not in answer and b"-" not in answer[:1]:
                    chunk = s.recv(256)
                    if not chunk:
                        break
                    answer += chunk
                if b"+PONG" in answer:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


# --- the launcher's stores ---------------------------------------------------------------------


def store_passwords(var_dir: Path) -> dict[str, str]:
    """The stores' passwords, generated once into ``<var>/stores.env`` (0600) and reused."""
    path = var_dir / STORES_ENV
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.startswith("#"):
                name, value = line.split("=", 1)
                values[name.strip()] = value.strip()
    wanted = ("MINWON_TRACKER_DB_PASSWORD", "MINWON_REDIS_PASSWORD")
    if all(values.get(name) for name in wanted):
        return values
    for name in wanted:
        values.setdefault(name, secrets.token_urlsafe(24))
    var_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# The local PostgreSQL's and Redis's passwords (./minwon start "
                  "--rasa-processes N); generated once.\n")
        out.writelines(f"{name}={value}\n" for name, value in values.items())
    os.chmod(path, 0o600)
    return values
