"""The launcher's parts without starting the system: supervisord's config, the console listener,
the Rasa wrapper's arguments and the JWT helper."""

from __future__ import annotations

import io
import secrets
import stat
import time
from pathlib import Path

import jwt
import pytest
from supervisor.datatypes import RestartUnconditionally
from supervisor.options import ServerOptions

from bot import rasa_server
from bot.processes import Ports, base_env, system_specs
from bot.rasa_auth import rasa_auth_headers, rasa_jwt
from bot.supervision import ConsoleListener, SupervisionConfigError, write_config

SECRETS = {
    "MINWON_SERVICE_TOKEN": "svc%" + secrets.token_urlsafe(32),  # % is special to supervisord
    "MINWON_SECRET_KEY": "a,b" + secrets.token_urlsafe(32),  # so is a comma
    "MINWON_RASA_TOKEN": secrets.token_urlsafe(32),
    "MINWON_KAKAO_SECRET": secrets.token_urlsafe(32),
}


def _parsed(config: Path) -> dict[str, object]:
    options = ServerOptions()
    options.configfile = str(config)
    options.process_config(do_usage=False)
    return {pc.name: pc for group in options.process_group_configs for pc in group.process_configs}


def test_supervisord_restarts_each_process_with_its_own_environment(tmp_path: Path) -> None:
    specs = system_specs(tmp_path / "model.tar.gz", Ports(11, 12, 13), tmp_path / "var",
                         tmp_path / "logs", "production", SECRETS)
    env = base_env()
    config = write_config(specs, tmp_path / "var", tmp_path / "logs", env)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # it holds the secrets
    programs = _parsed(config)
    assert set(programs) == {"backend", "actions", "rasa", "minwon_console"}
    for spec in specs:
        program = programs[spec.name]
        assert program.autorestart is RestartUnconditionally  # type: ignore[attr-defined]
        assert program.startretries >= 5  # type: ignore[attr-defined]
        assert program.stdout_events_enabled  # type: ignore[attr-defined]
        assert program.stdout_logfile == str(tmp_path / "logs" / f"{spec.name}.out")  # type: ignore[attr-defined]
        merged = {**env, **program.environment}  # type: ignore[attr-defined]
        assert merged == spec.env  # exactly what the test fixtures give the same process
    # supervisord itself (and so what every child inherits) holds no secret
    for value in SECRETS.values():
        assert value not in env.values()


def test_a_value_supervisord_cannot_hold_is_refused_by_name(tmp_path: Path) -> None:
    specs = system_specs(tmp_path / "m", Ports(1, 2, 3), tmp_path / "var", tmp_path / "logs",
                         "production", {**SECRETS, "MINWON_RASA_TOKEN": 'zq"' + "x" * 40})
    with pytest.raises(SupervisionConfigError, match="MINWON_RASA_TOKEN") as refused:
        write_config(specs, tmp_path / "var", tmp_path / "logs", base_env())
    assert "zq" not in str(refused.value)


def test_the_console_says_when_a_process_stops_and_comes_back() -> None:
    out = io.StringIO()
    listener = ConsoleListener(out)
    listener.handle("PROCESS_STATE_RUNNING", {"processname": "rasa", "pid": "10"}, "")
    listener.handle("PROCESS_LOG_STDOUT", {"processname": "rasa"}, "Starting Rasa server\npart")
    listener.handle("PROCESS_LOG_STDOUT", {"processname": "rasa"}, "ial line\n")
    listener.handle("PROCESS_STATE_EXITED", {"processname": "rasa", "expected": "0"}, "")
    listener.handle("PROCESS_STATE_BACKOFF", {"processname": "rasa"}, "")
    listener.handle("PROCESS_STATE_RUNNING", {"processname": "rasa", "pid": "11"}, "")
    listener.handle("PROCESS_STATE_EXITED", {"processname": "backend", "expected": "1"}, "")
    assert out.getvalue().splitlines() == [
        "rasa     | Starting Rasa server",
        "rasa     | partial line",
        "[minwon] rasa stopped unexpectedly; restarting (the other processes keep running; "
        "see logs/rasa.out)",
        "[minwon] rasa exited while starting; trying again shortly",
        "[minwon] rasa restarted (pid 11)",
    ]


def test_the_rasa_wrapper_adds_the_jwt_secret_and_loopback_only() -> None:
    env = {**SECRETS, "MINWON_PROFILE": "production"}
    args = rasa_server.rasa_argv(["--model", "m", "--enable-api", "--port", "5"], env)
    assert args[0] == "run"
    assert f"--jwt-secret={SECRETS['MINWON_RASA_TOKEN']}" in args
    assert args[args.index("--jwt-method") + 1] == "HS256"
    assert args[args.index("--interface") + 1] == "127.0.0.1"
    assert "--auth-token" not in args  # no query-string token at all
    kept = rasa_server.rasa_argv(["--interface", "0.0.0.0"], env)  # as in deploy/compose.yml
    assert kept.count("--interface") == 1


@pytest.mark.parametrize("secret", ["-" + "x" * 42, "--" + "y" * 41, "a-" + "z" * 41])
def test_rasa_reads_a_secret_that_begins_with_a_dash_as_the_secret(secret: str) -> None:
    import argparse

    from rasa.cli import run as rasa_run

    parser = argparse.ArgumentParser()
    rasa_run.add_subparser(parser.add_subparsers(), parents=[])
    env = {**SECRETS, "MINWON_PROFILE": "production", "MINWON_RASA_TOKEN": secret}
    parsed = parser.parse_args(rasa_server.rasa_argv(["--model", "m", "--enable-api"], env))
    assert parsed.jwt_secret == secret
    assert parsed.jwt_method == "HS256"


@pytest.mark.parametrize("option", ["--auth-token", "--jwt-secret", "-t"])
def test_the_rasa_wrapper_takes_no_secret_on_its_command_line(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        rasa_server.rasa_argv([option, "x" * 40], {**SECRETS, "MINWON_PROFILE": "dev"})
    assert "MINWON_RASA_TOKEN" in capsys.readouterr().err


def test_the_rasa_wrapper_refuses_production_without_its_secrets(
    capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**SECRETS, "MINWON_RASA_TOKEN": "dev-rasa-token"}  # no MINWON_PROFILE: production
    with pytest.raises(SystemExit):
        rasa_server.rasa_argv(["--model", "m"], env)
    assert "MINWON_RASA_TOKEN is a published" in capsys.readouterr().err


def test_the_rasa_wrapper_builds_credentials_from_the_environment() -> None:
    env = {**SECRETS, "MINWON_PROFILE": "production", "MINWON_KAKAO_ENABLED": "0",
           "MINWON_TELEGRAM_TOKEN": "1:abc", "MINWON_TELEGRAM_SECRET": secrets.token_urlsafe(32)}
    args = rasa_server.rasa_argv(["--credentials", "auto"], env)
    text = Path(args[args.index("--credentials") + 1]).read_text(encoding="utf-8")
    assert "TelegramInput" in text
    assert "KakaoInput" not in text


def test_api_tokens_are_short_lived_admin_jwts() -> None:
    secret = secrets.token_urlsafe(32)
    header = rasa_auth_headers(secret)["Authorization"]
    assert header.startswith("Bearer ")
    claims = jwt.decode(header.removeprefix("Bearer "), secret, algorithms=["HS256"])
    assert claims["user"]["role"] == "admin"
    assert 0 < claims["exp"] - time.time() <= 300
    assert secret not in header
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(rasa_jwt(secret, ttl_s=-10), secret, algorithms=["HS256"])
