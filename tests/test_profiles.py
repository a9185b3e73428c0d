"""Profiles and secrets as district IT meets them: a non-dev start with a missing, short or
published secret is refused before anything runs, naming the variable; dev generates its own."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import profiles
from bot.processes import ROOT, Ports, system_specs, write_credentials

GOOD = {
    "MINWON_SERVICE_TOKEN": secrets.token_urlsafe(32),
    "MINWON_SECRET_KEY": secrets.token_urlsafe(32),
    "MINWON_RASA_TOKEN": secrets.token_urlsafe(32),
    "MINWON_KAKAO_SECRET": secrets.token_urlsafe(32),
}
TELEGRAM = {
    "MINWON_TELEGRAM_TOKEN": "123456:" + "A" * 35,
    "MINWON_TELEGRAM_SECRET": secrets.token_urlsafe(32),
}
BAD = {
    "missing": "",
    "short": "s" * 31,
    "published": "dev-rasa-token",
    "placeholder": "change-me",
    "dev-generated": "dev-" + secrets.token_urlsafe(32),
}
SECRET_VARS = [*GOOD, "MINWON_TELEGRAM_SECRET"]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MINWON_") and not k.startswith("PYTHONPATH")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _launch(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.launcher", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False)


@pytest.mark.parametrize("variable", SECRET_VARS)
@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_production_start_with_a_bad_secret_is_refused_before_anything_runs(
    variable: str, kind: str, tmp_path: Path
) -> None:
    env = _clean_env(**{**GOOD, **TELEGRAM, variable: BAD[kind]})
    started = time.monotonic()
    done = _launch(["--profile", "production", "--var-dir", str(tmp_path / "var"),
                    "--log-dir", str(tmp_path / "logs"), "--rasa-port", "1"], env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert variable in done.stderr
    assert "refuses to start in the production profile" in done.stderr
    if BAD[kind]:
        assert BAD[kind] not in done.stderr + done.stdout  # the refusal never prints the value
    # refused before training, set-up or any process: nothing written, no Rasa imported
    assert not (tmp_path / "var" / "supervisord.conf").exists()
    assert not (tmp_path / "var" / profiles.DEV_SECRETS_FILE).exists()
    assert time.monotonic() - started < 60


def test_every_bad_secret_is_named_at_once(tmp_path: Path) -> None:
    done = _launch(["--profile", "production", "--var-dir", str(tmp_path)],
                   _clean_env(MINWON_PROFILE="production"))
    assert done.returncode == 2
    for variable in ("MINWON_SERVICE_TOKEN", "MINWON_SECRET_KEY", "MINWON_RASA_TOKEN",
                     "MINWON_KAKAO_SECRET"):
        assert f"{variable} is not set" in done.stderr
    assert "MINWON_TELEGRAM_SECRET" not in done.stderr  # Telegram is off without its token


def test_minwon_profile_from_the_environment_is_the_launchers_profile(tmp_path: Path) -> None:
    done = _launch(["--var-dir", str(tmp_path)], _clean_env(MINWON_PROFILE="prod"))
    assert done.returncode == 2
    assert "production profile" in done.stderr


def test_kakao_needs_no_secret_when_switched_off() -> None:
    env = {**GOOD, "MINWON_KAKAO_SECRET": "", "MINWON_KAKAO_ENABLED": "0"}
    profiles.check_secrets("production", env)
    with pytest.raises(profiles.SecretsError, match="MINWON_KAKAO_SECRET is not set"):
        profiles.check_secrets("production", {**env, "MINWON_KAKAO_ENABLED": "1"})


def test_telegram_needs_its_webhook_secret_once_its_token_is_set() -> None:
    profiles.check_secrets("production", GOOD)
    with pytest.raises(profiles.SecretsError, match="MINWON_TELEGRAM_SECRET is not set"):
        profiles.check_secrets("production", {**GOOD, "MINWON_TELEGRAM_TOKEN": "123:abc"})


def test_the_test_profile_follows_the_same_rules() -> None:
    with pytest.raises(profiles.SecretsError, match="MINWON_RASA_TOKEN is a published"):
        profiles.check_secrets("test", {**GOOD, "MINWON_RASA_TOKEN": "dev-rasa-token"})


def test_unknown_profiles_are_refused() -> None:
    with pytest.raises(profiles.SecretsError, match="MINWON_PROFILE"):
        profiles.normalise_profile("staging")


def test_dev_secrets_are_generated_once_private_and_never_the_published_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in GOOD:
        monkeypatch.delenv(name, raising=False)
    first = profiles.dev_secrets(tmp_path)
    path = tmp_path / profiles.DEV_SECRETS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for name in ("MINWON_SERVICE_TOKEN", "MINWON_SECRET_KEY", "MINWON_RASA_TOKEN"):
        assert first[name].startswith("dev-")
        assert len(first[name]) >= 40
        assert first[name] not in profiles.PUBLISHED_SECRETS
        # a dev secret is refused by every other profile
        assert profiles.secret_problem(name, first[name])
    assert profiles.dev_secrets(tmp_path) == first  # reused, not regenerated
    assert first["MINWON_RASA_TOKEN"] in path.read_text(encoding="utf-8")


def test_every_process_gets_its_profile_and_only_its_own_secrets(tmp_path: Path) -> None:
    backend, actions, rasa = system_specs(
        tmp_path / "model.tar.gz", Ports(1, 2, 3), tmp_path / "var", tmp_path / "logs",
        "production", {**GOOD, **TELEGRAM})
    for spec in (backend, actions, rasa):
        assert spec.env["MINWON_PROFILE"] == "production"
        assert spec.env["RASA_TELEMETRY_ENABLED"] == "false"
        # no secret is ever on a command line (`ps` shows it)
        for value in (*GOOD.values(), *TELEGRAM.values()):
            assert value not in " ".join(spec.argv)
    assert backend.env["MINWON_SERVICE_TOKEN"] == GOOD["MINWON_SERVICE_TOKEN"]
    assert backend.env["MINWON_RASA_TOKEN"] == GOOD["MINWON_RASA_TOKEN"]
    assert actions.env["MINWON_SERVICE_TOKEN"] == GOOD["MINWON_SERVICE_TOKEN"]
    assert "MINWON_RASA_TOKEN" not in actions.env
    assert "MINWON_SECRET_KEY" not in actions.env
    assert "MINWON_SERVICE_TOKEN" not in rasa.env
    assert rasa.env["MINWON_RASA_TOKEN"] == GOOD["MINWON_RASA_TOKEN"]
    assert rasa.env["MINWON_KAKAO_SECRET"] == GOOD["MINWON_KAKAO_SECRET"]
    assert rasa.argv[1:3] == ["-m", "bot.rasa_server"]
    assert "--auth-token" not in rasa.argv
    assert rasa.argv[rasa.argv.index("--interface") + 1] == "127.0.0.1"


def test_credentials_follow_the_enabled_channels(tmp_path: Path) -> None:
    plain = write_credentials(tmp_path, {}).read_text(encoding="utf-8")
    assert "bot.kakao.channel.KakaoInput:" in plain
    assert "TelegramInput" not in plain
    both = write_credentials(tmp_path, TELEGRAM).read_text(encoding="utf-8")
    assert "bot.telegram.channel.TelegramInput:" in both
    no_kakao = write_credentials(tmp_path, {"MINWON_KAKAO_ENABLED": "0"}).read_text(
        encoding="utf-8")
    assert "KakaoInput" not in no_kakao
    assert "${MINWON_KAKAO_SECRET}" not in no_kakao
    assert "bot.webchat.channel.WebchatInput:" in no_kakao
    assert "bot.rest_masked.MaskedRestInput:" in no_kakao
