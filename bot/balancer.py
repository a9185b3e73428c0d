"""HAProxy in front of several Rasa processes and several action servers on this machine.

``./minwon start --rasa-processes N`` writes ``<var>/haproxy.cfg`` from :func:`haproxy_config`
and runs Debian's /usr/sbin/haproxy under supervisord:

- the public channel port (``--rasa-port``, 5005) goes to the Rasa process with the fewest
  requests in flight (``leastconn``; turns differ in cost, and with round robin one process's
  queue was often the longer: 50 Kakao residents, p99 1.10 -> 1.01 s over six runs each), each
  checked every second with Rasa's ``GET /`` (three checks unanswered within 20 s, or one refused
  connection, take it out; one answer puts it back);
- the action server port (``--actions-port``, 5055) goes round robin to the action servers
  (``GET /health``), so Rasa's one ``action_endpoint`` reaches all of them.

A turn is not idempotent, so a request is sent again to another process only when the first
could not even connect (``retry-on conn-failure`` with redispatch): a process killed in the
middle of a turn costs that turn a 502, which the channel or the resident sees and repeats;
nothing answered is lost, because every turn is in the shared PostgreSQL tracker store. Every
channel, the web chat included, may reach any process: the channels keep their state in Redis when
``MINWON_REDIS_HOST`` is set (bot/state_store.py), which the launcher sets for every Rasa process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HAPROXY = "/usr/sbin/haproxy"
CONFIG_NAME = "haproxy.cfg"
CHECK_INTERVAL_MS = 1000
FALL = 3  # missed checks before a process is out
# a check answered later than this is missed: a Rasa process whose event loop is busy with turns
# on a saturated machine answered GET / after more than 10 s and was taken out while serving
CHECK_TIMEOUT_S = 20
RISE = 1  # answered checks before it is back
# A turn can wait for its conversation's lock (polled every second, lifetime 60 s) and the
# backend: the balancer must wait longer than that for an answer.
SERVER_TIMEOUT_S = 75


class BalancerNotFound(RuntimeError):
    """HAProxy is not installed (scripts/setup.sh installs Debian's haproxy)."""


@dataclass(frozen=True)
class Upstream:
    name: str  # e.g. rasa-1 (the supervisord program name too)
    port: int  # on 127.0.0.1


def haproxy_binary() -> str:
    found = HAPROXY if Path(HAPROXY).exists() else shutil.which("haproxy")
    if not found:
        raise BalancerNotFound(f"no {HAPROXY}: run scripts/setup.sh")
    return found


def _servers(upstreams: Sequence[Upstream]) -> list[str]:
    return [f"    server {u.name} 127.0.0.1:{u.port} check" for u in upstreams]


def haproxy_config(public_port: int, rasa: Sequence[Upstream], actions_port: int,
                   actions: Sequence[Upstream]) -> str:
    """The whole haproxy.cfg; everything binds to 127.0.0.1."""
    if not rasa or not actions:
        raise ValueError("at least one Rasa process and one action server")
    lines = [
        "# Written by ./minwon start (bot/balancer.py) at every start; edits are lost.",
        "global",
        "    maxconn 4096",
        # no access log (a turn's URL is on each process's own log); HAProxy itself says on
        # its stderr, which supervisord relays, when a process goes down or comes back
        "",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 90s",
        f"    timeout server {SERVER_TIMEOUT_S}s",
        "    timeout http-request 10s",
        "    timeout queue 30s",
        # a new server connection for every request: a request is never written into a kept-alive
        # connection of a process that has just died (that would be a 502 after the death, not
        # a turn lost in it); on loopback a connection costs a fraction of a millisecond
        "    option http-server-close",
        "    retries 2",
        # only a request that never reached a process is sent to another one
        "    retry-on conn-failure",
        "    option redispatch 1",
        # a busy process may answer its check slowly (its event loop is taking turns): only no
        # answer within CHECK_TIMEOUT_S counts, while a refused connection (a dead process),
        # from a check or from real traffic, takes it out at once
        f"    timeout check {CHECK_TIMEOUT_S}s",
        f"    default-server inter {CHECK_INTERVAL_MS}ms fall {FALL} rise {RISE} "
        "observe layer4 error-limit 1 on-error mark-down",
        "",
        "frontend rasa_channels",
        f"    bind 127.0.0.1:{public_port}",
        "    default_backend rasa",
        "",
        "backend rasa",
        "    balance leastconn",
        "    option httpchk GET /",
        "    http-check expect status 200",
        *_servers(rasa),
        "",
        "frontend action_server",
        f"    bind 127.0.0.1:{actions_port}",
        "    default_backend actions",
        "",
        "backend actions",
        "    balance roundrobin",
        "    option httpchk GET /health",
        "    http-check expect status 200",
        *_servers(actions),
        "",
    ]
    return "\n".join(lines)


def write_config(var_dir: Path, text: str) -> Path:
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / CONFIG_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def haproxy_argv(config: Path) -> list[str]:
    """HAProxy in the foreground (-db) as supervisord wants it; -W: a master that reloads."""
    return [haproxy_binary(), "-W", "-db", "-f", str(config)]


def check_config(config: Path) -> None:
    """Raises ValueError with HAProxy's own message when it refuses ``config``."""
    out = subprocess.run([haproxy_binary(), "-c", "-f", str(config)],  # noqa: S603 - Debian's
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise ValueError(f"haproxy refuses {config}: {out.stdout}{out.stderr}")
