"""``./minwon start`` as district IT runs it: supervised processes, secrets kept off command lines
and URLs, Rasa's API on loopback behind a JWT, no telemetry, Ctrl-C stops everything.

Each test starts the real launcher (supervisord, backend, action server, Rasa server) on free
ports with a throwaway var and log dir and HOME, and the model of this test session.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot import profiles
from bot.processes import ROOT, free_port, wait_healthy
from bot.rasa_auth import rasa_auth_headers
from scripts.model_cache import CACHE
from tests.launcher_run import LauncherRun

# the first test may wait for a training of the current model (minutes on a busy machine)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]

START_TIMEOUT_S = 900  # loading the model takes minutes on a busy 2-core machine


@dataclass
class Launched(LauncherRun):
    home: Path
    backend: str
    rasa: str


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MINWON_", "PYTHONPATH", "RASA_"))}
    return {**env, "HOME": str(home), "MINWON_CACHE": str(CACHE), "PYTHONPATH": str(ROOT),
            **extra}


def _launch(tmp: Path, model: Path, profile: str, **env: str) -> Launched:
    ports = {"backend": free_port(), "actions": free_port(), "rasa": free_port()}
    home = tmp / "home"
    home.mkdir()
    console = tmp / "console.txt"
    with console.open("wb") as out:
        popen = subprocess.Popen(
            [sys.executable, "-m", "bot.launcher", "--profile", profile,
             "--backend-port", str(ports["backend"]), "--actions-port", str(ports["actions"]),
             "--rasa-port", str(ports["rasa"]), "--var-dir", str(tmp / "var"),
             "--log-dir", str(tmp / "logs"), "--model", str(model),
             # the embedded single process (the scaled one: tests/scale/test_balanced_topology.py)
             "--rasa-processes", "1"],
            cwd=ROOT, env=_env(home, **env), stdout=out, stderr=subprocess.STDOUT)
    return Launched(popen, console, tmp / "var", tmp / "logs", home,
                    f"http://127.0.0.1:{ports['backend']}", f"http://127.0.0.1:{ports['rasa']}")


def _stop(launched: Launched) -> None:
    if launched.popen.poll() is None:
        launched.popen.send_signal(signal.SIGINT)  # what Ctrl-C sends
        try:
            launched.popen.wait(timeout=60)
        except subprocess.TimeoutExpired:
            launched.popen.kill()
            launched.popen.wait()


@pytest.fixture(scope="module")
def dev_system(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launched]:
    """One dev start for the tests below (the last one stops it with Ctrl-C)."""
    launched = _launch(tmp_path_factory.mktemp("dev-start"), rasa_model, "dev")
    try:
        launched.wait_for(r"\[minwon\] ready \(dev profile\)", START_TIMEOUT_S)
        yield launched
    finally:
        _stop(launched)


def _rest_turn(rasa: str, text: str) -> list[str]:
    response = httpx.post(f"{rasa}/webhooks/rest/webhook",
                          json={"sender": f"sup-{uuid.uuid4().hex[:10]}", "message": text},
                          timeout=120)
    assert response.status_code == 200, response.text
    return [m.get("text", "") for m in response.json()]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp[6])."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "(Z)" not in Path(f"/proc/{pid}/stat").read_text()


def test_secrets_stay_off_command_lines_urls_and_logs_and_rasa_listens_on_loopback(
    dev_system: Launched,
) -> None:
    launched = dev_system
    generated = profiles.read_env_file(launched.var_dir / profiles.DEV_SECRETS_FILE)
    rasa_secret = generated["MINWON_RASA_TOKEN"]
    assert rasa_secret.startswith("dev-")
    status = f"{launched.rasa}/status"
    # the HTTP API takes a JWT signed with the secret, and nothing else
    assert httpx.get(status, timeout=30).status_code == 401
    assert httpx.get(status, params={"token": rasa_secret}, timeout=30).status_code == 401
    assert httpx.get(status, params={"token": "dev-rasa-token"}, timeout=30).status_code == 401
    wrong = rasa_auth_headers(secrets.token_urlsafe(32))
    assert httpx.get(status, headers=wrong, timeout=30).status_code == 401
    assert httpx.get(status, headers=rasa_auth_headers(rasa_secret), timeout=30).status_code == 200

    pids = {n: launched.pid(n) for n in ("backend", "actions", "rasa")}
    for name, pid in pids.items():
        cmdline = _cmdline(pid)
        for value in generated.values():
            assert value not in cmdline, f"a secret on {name}'s command line"
    assert "bot.rasa_server" in _cmdline(pids["rasa"])
    rasa_port = int(launched.rasa.rsplit(":", 1)[1])
    assert _listening_addresses(rasa_port) == {"0100007F"}  # 127.0.0.1 only

    # no secret in any log or on the console
    logged = launched.text() + "".join(
        p.read_text(errors="replace") for p in launched.log_dir.iterdir() if p.is_file())
    for value in generated.values():
        assert value not in logged
    # Rasa's telemetry: nothing configured, nothing attempted
    assert not (launched.home / ".config" / "rasa").exists()
    rasa_logs = "".join(
        p.read_text(errors="replace").lower() for p in launched.log_dir.glob("rasa*"))
    assert "telemetry" not in rasa_logs
    assert "sentry" not in rasa_logs
    assert "segment" not in rasa_logs


def test_a_killed_rasa_and_action_server_come_back_and_the_others_keep_running(
    dev_system: Launched,
) -> None:
    launched = dev_system
    text = launched.text()
    # the dev banner lists what is on
    for convenience in ("SMS outbox", "dev staff accounts", "REST channel", "generated secrets"):
        assert convenience in text
    assert str(launched.var_dir / profiles.DEV_SECRETS_FILE) in text
    assert _rest_turn(launched.rasa, "등본 한 통 떼 주세요")  # a turn through the action server

    backend_pid = launched.pid("backend")
    rasa_pid, actions_pid = launched.pid("rasa"), launched.pid("actions")
    mark = len(text)
    os.kill(rasa_pid, signal.SIGKILL)
    os.kill(actions_pid, signal.SIGKILL)

    launched.wait_for(r"\[minwon\] rasa stopped unexpectedly; restarting \(the other processes "
                      r"keep running; see .*/rasa\.out\)", 60, after=mark)
    launched.wait_for(r"\[minwon\] actions stopped unexpectedly; restarting", 60, after=mark)
    launched.wait_for(r"\[minwon\] actions restarted \(pid \d+\)", 120, after=mark)
    launched.wait_for(r"\[minwon\] rasa restarted \(pid \d+\)", 120, after=mark)
    wait_healthy(f"{launched.rasa}/", START_TIMEOUT_S)
    # a new conversation that needs the action server answers again
    replies = _rest_turn(launched.rasa, "등본 한 통 떼 주세요")
    assert replies
    assert launched.pid("rasa") != rasa_pid
    assert launched.pid("actions") != actions_pid
    assert launched.pid("backend") == backend_pid  # never stopped
    # each process's output is on the console with its prefix and in logs/
    assert re.search(r"(?m)^rasa +\| ", launched.text())
    assert (launched.log_dir / "rasa.out").stat().st_size > 0
    assert (launched.log_dir / "rasa.log").exists()

    pids = [launched.pid(n) for n in ("backend", "actions", "rasa")]
    _stop(launched)
    assert launched.popen.returncode is not None
    time.sleep(1)
    assert not any(_alive(pid) for pid in pids), "Ctrl-C left a process running"
    assert not (launched.var_dir / "supervisord.conf").exists()  # it held the secrets


def test_a_complete_production_config_starts_without_dev_conveniences(
    rasa_model: Path, tmp_path: Path
) -> None:
    good = {name: secrets.token_urlsafe(32) for name in (
        "MINWON_SERVICE_TOKEN", "MINWON_SECRET_KEY", "MINWON_RASA_TOKEN", "MINWON_KAKAO_SECRET")}
    launched = _launch(tmp_path, rasa_model, "production", **good)
    try:
        launched.wait_for(r"\[minwon\] ready \(production profile\)", START_TIMEOUT_S)
        text = launched.text()
        assert "Dev conveniences" not in text
        assert not (launched.var_dir / profiles.DEV_SECRETS_FILE).exists()
        outbox = httpx.get(f"{launched.backend}/dev/sms-outbox",
                           params={"phone": "01012345678"}, timeout=30)
        assert outbox.status_code == 404
        login = httpx.post(f"{launched.backend}/api/v1/staff/login",
                           json={"username": "counter1", "password": "counter-dev-pass"},
                           timeout=30)
        assert login.status_code == 401
        rest = httpx.post(f"{launched.rasa}/webhooks/rest/webhook",
                          json={"sender": "x", "message": "안녕하세요"}, timeout=60)
        assert rest.status_code == 404  # REST takes any sender id: dev and test only
        status = f"{launched.rasa}/status"
        assert httpx.get(status, timeout=30).status_code == 401
        headers = rasa_auth_headers(good["MINWON_RASA_TOKEN"])
        assert httpx.get(status, headers=headers, timeout=30).status_code == 200
        assert httpx.get(f"{launched.backend}/api/v1/district", timeout=30,
                         headers={"Authorization": f"Bearer {good['MINWON_SERVICE_TOKEN']}"}
                         ).status_code == 200
    finally:
        _stop(launched)
    assert launched.popen.returncode is not None
