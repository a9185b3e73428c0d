"""Profiles and the secrets each one needs, checked before any process starts.

``dev`` is what ``./minwon start`` runs for trying the system on one machine: its conveniences are
listed by :func:`dev_conveniences` and printed by the launcher, and its secrets are generated once
into ``var/dev-secrets.env`` (never the strings published in this repository). ``test`` is what
the test fixtures run (REST and the SMS outbox are on, secrets are generated per session), and
``production`` is everything else. Every profile but ``dev`` refuses to start when a secret is
missing, shorter than :data:`MIN_SECRET_CHARS` or a published or dev value.

The backend checks the secrets it uses itself (``backend/app/settings.py``); this module is the
Rasa side's view of the same rules (launcher and ``bot/rasa_server.py``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROFILES = ("dev", "test", "production")
DEFAULT_LAUNCH_PROFILE = "dev"
MIN_SECRET_CHARS = 32
# Every generated dev secret starts with this, so no other profile takes it.
DEV_SECRET_PREFIX = "dev-"  # noqa: S105
DEV_SECRETS_FILE = "dev-secrets.env"

SERVICE_TOKEN = "MINWON_SERVICE_TOKEN"  # noqa: S105 - variable names, not values
SECRET_KEY = "MINWON_SECRET_KEY"  # noqa: S105
RASA_TOKEN = "MINWON_RASA_TOKEN"  # noqa: S105
KAKAO_SECRET = "MINWON_KAKAO_SECRET"  # noqa: S105
KAKAO_ENABLED = "MINWON_KAKAO_ENABLED"
TELEGRAM_TOKEN = "MINWON_TELEGRAM_TOKEN"  # noqa: S105
TELEGRAM_SECRET = "MINWON_TELEGRAM_SECRET"  # noqa: S105
# Earlier secret keys the tracker store still reads old conversations with (bot/tracker_store.py).
PREVIOUS_SECRET_KEYS = "MINWON_PREVIOUS_SECRET_KEYS"  # noqa: S105

# Values that were ever written in this repository (README, compose example, code defaults):
# whoever reads the repository knows them.
PUBLISHED_SECRETS = frozenset({
    "dev-service-token", "dev-secret-key-change-me", "dev-rasa-token", "change-me", "changeme",
    "secret", "password", "token",
})

# Which processes need which secret (the launcher hands each process only its own).
BACKEND_SECRETS = (SERVICE_TOKEN, SECRET_KEY, RASA_TOKEN)
ACTIONS_SECRETS = (SERVICE_TOKEN,)
RASA_SECRETS = (SECRET_KEY, PREVIOUS_SECRET_KEYS, RASA_TOKEN, KAKAO_SECRET, TELEGRAM_TOKEN,
                TELEGRAM_SECRET)


class SecretsError(RuntimeError):
    """A non-dev profile was asked to start with a missing, short or published secret."""


def normalise_profile(name: str | None) -> str:
    """The profile named by ``--profile`` or ``MINWON_PROFILE`` (``prod`` means ``production``)."""
    profile = (name or DEFAULT_LAUNCH_PROFILE).strip().lower()
    profile = "production" if profile == "prod" else profile
    if profile not in PROFILES:
        raise SecretsError(f"MINWON_PROFILE={name!r} is not one of {', '.join(PROFILES)}")
    return profile


def kakao_enabled(env: Mapping[str, str]) -> bool:
    """Kakao is on unless ``MINWON_KAKAO_ENABLED`` is 0/false/no/off (its skill URL is public)."""
    return env.get(KAKAO_ENABLED, "1").strip().lower() not in ("0", "false", "no", "off")


def telegram_enabled(env: Mapping[str, str]) -> bool:
    """Telegram is on when a bot token is configured."""
    return bool(env.get(TELEGRAM_TOKEN, "").strip())


def required_secrets(env: Mapping[str, str], names: tuple[str, ...] | None = None) -> list[str]:
    """The secret variables a non-dev start needs with this environment's channels."""
    needed = [SERVICE_TOKEN, SECRET_KEY, RASA_TOKEN]
    if kakao_enabled(env):
        needed.append(KAKAO_SECRET)
    if telegram_enabled(env):
        needed.append(TELEGRAM_SECRET)
    return [n for n in needed if names is None or n in names]


def secret_problem(name: str, value: str | None) -> str | None:
    """Why ``value`` cannot be ``name`` outside dev, or None when it can."""
    value = (value or "").strip()
    if not value:
        return f"{name} is not set"
    if value.lower() in PUBLISHED_SECRETS or value.startswith(DEV_SECRET_PREFIX):
        return f"{name} is a published or dev value; generate a new one"
    if len(value) < MIN_SECRET_CHARS:
        return f"{name} is {len(value)} characters long; it needs at least {MIN_SECRET_CHARS}"
    return None


def check_secrets(
    profile: str, env: Mapping[str, str], names: tuple[str, ...] | None = None
) -> None:
    """Raises SecretsError naming every bad variable, unless the profile is ``dev``.

    ``names`` limits the check to one process's secrets (e.g. :data:`RASA_SECRETS`).
    """
    if profile == "dev":
        return
    problems = [p for n in required_secrets(env, names) if (p := secret_problem(n, env.get(n)))]
    if problems:
        raise SecretsError(
            f"minwon refuses to start in the {profile} profile:\n  - " + "\n  - ".join(problems)
            + "\nSet each variable to a random value of 32+ characters, e.g. `python3 -c "
            "'import secrets; print(secrets.token_urlsafe(32))'` (docs/security.md)."
        )


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, 256 bits


def dev_secrets(var_dir: Path) -> dict[str, str]:
    """The dev profile's secrets: generated once into ``var/dev-secrets.env`` (mode 0600), reused.

    Each starts with ``dev-`` so that no other profile accepts it. A variable set in the
    environment wins over the file. The Kakao and Telegram secrets are the platforms' own
    settings, so they come from the environment only (unset in dev: not checked, see
    docs/channels.md).
    """
    path = var_dir / DEV_SECRETS_FILE
    stored = read_env_file(path) if path.exists() else {}
    wanted = (SERVICE_TOKEN, SECRET_KEY, RASA_TOKEN)
    missing = [n for n in wanted if not stored.get(n)]
    if missing:
        stored.update({n: DEV_SECRET_PREFIX + new_secret() for n in missing})
        var_dir.mkdir(parents=True, exist_ok=True)
        body = "".join(f"{n}={stored[n]}\n" for n in wanted)
        header = "# Generated by ./minwon start for the dev profile only; never used elsewhere.\n"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(header + body)
    os.chmod(path, 0o600)
    generated = {n: os.environ.get(n) or stored[n] for n in wanted}
    return {**secrets_from_env(os.environ), **generated}


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def secrets_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """The secret variables set in ``env`` (production and test take them from there)."""
    names = (SERVICE_TOKEN, SECRET_KEY, PREVIOUS_SECRET_KEYS, RASA_TOKEN, KAKAO_SECRET,
             TELEGRAM_TOKEN, TELEGRAM_SECRET)
    return {n: env[n] for n in names if env.get(n)}


@dataclass(frozen=True)
class Convenience:
    name: str
    detail: str


def dev_conveniences(var_dir: Path, backend_port: int) -> list[Convenience]:
    """What the dev profile switches on that production does not (printed at start)."""
    return [
        Convenience("SMS outbox", f"http://127.0.0.1:{backend_port}/dev/sms-outbox?phone=… shows "
                    "every SMS code, without authentication (loopback only)"),
        Convenience("dev staff accounts", "counter1, courier-sindang, supervisor1 with the "
                    "passwords in backend/README.md"),
        Convenience("demo and load residents", "the synthetic registry in data/district/"),
        Convenience("REST channel", "POST /webhooks/rest/webhook takes any sender id"),
        Convenience("phone simulator", "GET /webhooks/voice/simulator on the Rasa server calls "
                    "the TwiML voice line from the browser; voice webhooks are not signed "
                    "unless MINWON_TWILIO_AUTH_TOKEN is set"),
        Convenience("Kakao and Telegram secrets optional", "not checked unless "
                    "MINWON_KAKAO_SECRET / MINWON_TELEGRAM_SECRET are set"),
        Convenience("generated secrets", f"{var_dir / DEV_SECRETS_FILE} (refused by every other "
                    "profile)"),
    ]
