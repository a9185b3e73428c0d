"""``./minwon start --rasa-processes N`` without starting Rasa: how many processes ``auto``
chooses, the processes and their supervisord config, HAProxy's config as HAProxy itself reads
it, and the local PostgreSQL and Redis the launcher prepares (real Debian binaries)."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import redis
from supervisor.options import ServerOptions

from bot import launcher, local_stores
from bot.balancer import Upstream, check_config, haproxy_config, write_config
from bot.processes import ROOT, Ports, Topology, base_env, free_port, scaled_system_specs
from bot.supervision import write_config as write_supervisord_config
from tests.test_launcher_units import SECRETS, _parsed


def _args(*argv: str) -> argparse.Namespace:
    return launcher.parse_args(list(argv))


def test_the_default_is_the_embedded_process_and_auto_takes_one_rasa_process_per_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MINWON_RASA_PROCESSES", raising=False)
    assert not launcher.choose_topology(_args(), cores=8)[0].scaled
    auto = ("--rasa-processes", "auto")
    assert launcher.choose_topology(_args(*auto), cores=2) == (Topology(2, 1), "")
    assert launcher.choose_topology(_args(*auto), cores=16)[0] == Topology(4, 1)
    assert launcher.choose_topology(_args(*auto), cores=1) == (Topology(1, 1), "")
    assert not launcher.choose_topology(_args("--rasa-processes", "1"))[0].scaled
    assert launcher.choose_topology(_args("--rasa-processes", "3", "--action-servers", "2"))[
        0] == Topology(3, 2)
    assert launcher.choose_topology(_args("--topology", "scale"))[0] == Topology(2, 2)
    monkeypatch.setattr(launcher, "scale_binaries_missing", lambda: ["Redis"])
    topology, note = launcher.choose_topology(_args(*auto), cores=8)
    assert topology == Topology(1, 1)
    assert "Redis" in note
    assert "scripts/setup.sh" in note
    for bad in ("0", "two"):
        with pytest.raises(ValueError, match="--rasa-processes"):
            launcher.choose_topology(_args("--rasa-processes", bad))


def test_haproxy_accepts_the_balancer_config_with_health_checks(tmp_path: Path) -> None:
    text = haproxy_config(5005, [Upstream("rasa-1", 6001), Upstream("rasa-2", 6002)], 5055,
                          [Upstream("actions-1", 6101), Upstream("actions-2", 6102)])
    check_config(write_config(tmp_path, text))  # /usr/sbin/haproxy -c
    assert "bind 127.0.0.1:5005" in text
    assert "bind 127.0.0.1:5055" in text
    assert "backend rasa\n    balance leastconn" in text
    assert "backend actions\n    balance roundrobin" in text
    assert "option httpchk GET /\n" in text
    assert "option httpchk GET /health" in text
    for name, port in (("rasa-1", 6001), ("rasa-2", 6002), ("actions-2", 6102)):
        assert f"server {name} 127.0.0.1:{port} check" in text
    # a turn is never replayed on another process once it was sent
    assert "retry-on conn-failure" in text
    with pytest.raises(ValueError, match="haproxy refuses"):
        check_config(write_config(tmp_path, text.replace("balance roundrobin", "balance nope")))


def test_the_scaled_processes_share_the_stores_and_sit_behind_haproxy(tmp_path: Path) -> None:
    postgres = local_stores.LocalPostgres(tmp_path / "pg", 7001, local_stores.pg_bindir(), None,
                                          password="pg-" + secrets.token_urlsafe(8))
    red = local_stores.write_redis_config(tmp_path / "redis", 7002, "r-" + secrets.token_urlsafe(8))
    ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
    specs = scaled_system_specs(tmp_path / "model.tar.gz", ports, tmp_path / "var",
                                tmp_path / "logs", Topology(3, 2), postgres, red, "production",
                                SECRETS)
    by_name = {s.name: s for s in specs}
    assert list(by_name) == ["postgres", "redis", "backend", "actions-1", "actions-2", "rasa-1",
                             "rasa-2", "rasa-3", "balancer"]
    rasa = [by_name[f"rasa-{i}"] for i in (1, 2, 3)]
    assert len({s.health_url for s in rasa}) == 3
    for spec in rasa:
        assert spec.argv[spec.argv.index("--endpoints") + 1] == str(ROOT / "endpoints.scale.yml")
        assert spec.env["MINWON_TRACKER_DB_PORT"] == "7001"
        assert spec.env["MINWON_TRACKER_DB_PASSWORD"] == postgres.password
        assert spec.env["MINWON_REDIS_PORT"] == "7002"
        # every Rasa process calls the action servers through HAProxy
        assert spec.env["MINWON_ACTION_URL"] == f"http://127.0.0.1:{ports.actions}/webhook"
        assert postgres.password not in " ".join(spec.argv)
    backend = by_name["backend"]
    assert backend.env["MINWON_DATABASE_URL"].startswith("postgresql+psycopg://minwon:")
    assert backend.env["MINWON_RASA_URL"] == f"http://127.0.0.1:{ports.rasa}"
    assert by_name["balancer"].health_url == f"http://127.0.0.1:{ports.rasa}/"
    haproxy = (tmp_path / "var" / "haproxy.cfg").read_text()
    for spec in specs[3:-1]:
        assert f"127.0.0.1:{spec.health_url.split(':')[2].split('/')[0]} check" in haproxy
    # supervisord starts the stores first and stops PostgreSQL with its fast shutdown
    config = _parsed(write_supervisord_config(specs, tmp_path / "run", tmp_path / "logs",
                                              base_env()))
    assert config["postgres"].priority < config["backend"].priority < config["rasa-1"].priority
    assert config["postgres"].stopsignal == 2  # SIGINT
    # the Rasa processes stop together (a group), not one stop timeout after the other
    options = ServerOptions()
    options.configfile = str(tmp_path / "run" / "supervisord.conf")
    options.process_config(do_usage=False)
    groups = {g.name: sorted(p.name for p in g.process_configs)
              for g in options.process_group_configs}
    assert groups["rasa"] == ["rasa-1", "rasa-2", "rasa-3"]
    assert groups["actions"] == ["actions-1", "actions-2"]
    assert all(config[s.name].autorestart for s in specs)
    for name in ("postgres", "redis", "balancer"):
        assert not set(SECRETS.values()) & set(config[name].environment or {}).union(
            (config[name].environment or {}).values())


@pytest.fixture
def var() -> Iterator[Path]:
    """A var dir the cluster's OS user (postgres, when run as root) can reach."""
    base = Path(tempfile.mkdtemp(prefix="minwon-launcher-stores-"))
    base.chmod(0o711)
    try:
        yield base / "var"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_local_stores_take_passwords_from_var_and_never_on_a_command_line(var: Path) -> None:
    var.mkdir()
    var.chmod(0o711)
    passwords = local_stores.store_passwords(var)
    assert stat.S_IMODE((var / local_stores.STORES_ENV).stat().st_mode) == 0o600
    assert local_stores.store_passwords(var) == passwords  # generated once
    postgres = local_stores.prepare_postgres(var / "postgres", free_port(),
                                             passwords["MINWON_TRACKER_DB_PASSWORD"])
    # prepared twice (a second start) is fine
    postgres = local_stores.prepare_postgres(var / "postgres", postgres.port, postgres.password)
    assert postgres.password not in " ".join(postgres.server_argv())
    popen = subprocess.Popen(postgres.server_argv(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    red_conf = local_stores.write_redis_config(var / "redis", free_port(),
                                               passwords["MINWON_REDIS_PASSWORD"])
    assert stat.S_IMODE(red_conf.config.stat().st_mode) == 0o600
    red = subprocess.Popen(red_conf.argv(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert red_conf.password not in " ".join(red_conf.argv())
        assert local_stores.wait_redis(red_conf.port, red_conf.password)
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=red_conf.port).ping()
        assert redis.Redis(port=red_conf.port, password=red_conf.password).ping()
        deadline = time.monotonic() + 60
        while True:  # the tracker's database, as the app role, with its password
            try:
                psycopg2.connect(postgres.dsn(local_stores.TRACKER_DB)).close()
                break
            except psycopg2.OperationalError as e:
                if "password" in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        wrong = postgres.dsn(local_stores.BACKEND_DB).replace(postgres.password, "wrong")
        with pytest.raises(psycopg2.OperationalError, match="password"):
            psycopg2.connect(wrong)
    finally:
        for process in (popen, red):
            os.killpg(process.pid, signal.SIGINT)  # runuser and postgres: its fast shutdown
            process.wait(timeout=30)
