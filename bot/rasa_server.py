"""``python -m bot.rasa_server [rasa run options]``: ``rasa run``, no secret on its command line.

Takes every option of ``rasa run`` (model, credentials, endpoints, ``--enable-api``, interface,
port, log file …) and runs Rasa's own CLI entry point in this process, adding what must not
appear in ``ps`` or in a logged URL:

- the HTTP API's JWT secret, read from ``MINWON_RASA_TOKEN`` (callers sign a short-lived HS256
  token with it, ``bot/rasa_auth.py``; there is no ``?token=`` at all, so access logs hold none);
- ``--interface 127.0.0.1`` unless another interface is given (Rasa's own default is 0.0.0.0);
- ``--credentials auto``: credentials.yml with the Telegram block merged when
  ``MINWON_TELEGRAM_TOKEN`` is set and the Kakao block dropped when ``MINWON_KAKAO_ENABLED=0``
  (the same file the launcher writes), for deployments without the launcher (deploy/compose.yml).

Outside the dev profile it refuses to start, naming the variable, when one of its secrets is
missing, short or published (``bot/profiles.py``). Usage telemetry and crash reporting to Rasa's
servers are off: nothing is sent and no ``~/.config/rasa/global.yml`` is written.

Action-server responses are validated with a schema compiled once instead of Rasa's per-call
``jsonschema.validate`` (``bot/fast_action_validation.py``; ``MINWON_ACTION_VALIDATION=off``
skips the check for the trusted local action server), and events are read back without Rasa's
search of every event class per event (``bot/fast_events.py``). Calls to the action server reuse
pooled keep-alive connections instead of a new session and connection per call
(``bot/pooled_http.py``; ``MINWON_HTTP_POOL=off`` restores Rasa's way). Rasa's graphs run node
after node, a parse combines each message's features once and calls DIET's compiled graph
directly (``bot/fast_inference.py``). Once the model is loaded, the objects alive are frozen out
of the garbage collector's full collections, which took half a second each (``bot/heap_freeze.py``).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

from bot import profiles
from bot.rasa_auth import JWT_METHOD

SECRET_OPTIONS = ("--auth-token", "-t", "--jwt-secret", "--jwt-private-key")
logger = logging.getLogger("minwon.rasa_server")


def _warn(message: str) -> None:
    sys.stderr.write(f"[minwon] {message}\n")
    sys.stderr.flush()


def _fail(message: str) -> None:
    _warn(message)
    raise SystemExit(2)


def _option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _replace_option(argv: list[str], name: str, value: str) -> list[str]:
    out = [a for a in argv if not a.startswith(name + "=")]
    if name in out:
        out[out.index(name) + 1] = value
        return out
    return [*out, name, value]


def rasa_argv(argv: list[str], env: dict[str, str] | os._Environ[str]) -> list[str]:
    """The ``rasa run`` argument list this wrapper hands to Rasa (secret included)."""
    for arg in argv:
        if arg.split("=", 1)[0] in SECRET_OPTIONS:
            _fail(f"{arg.split('=', 1)[0]} is not taken on the command line (it would show in "
                  "`ps`); set MINWON_RASA_TOKEN in the environment instead")
    try:
        profile = profiles.normalise_profile(env.get("MINWON_PROFILE") or "production")
        profiles.check_secrets(profile, env, profiles.RASA_SECRETS)
    except profiles.SecretsError as e:
        _fail(str(e))
    secret = env.get(profiles.RASA_TOKEN, "")
    if not secret:  # dev only (checked above): an API nobody can call rather than an open one
        secret = profiles.new_secret()
        _warn("MINWON_RASA_TOKEN is not set: Rasa's HTTP API accepts no caller this run")
    out = list(argv)
    if _option(out, "--interface") is None and _option(out, "-i") is None:
        out += ["--interface", "127.0.0.1"]
    if _option(out, "--credentials") == "auto":
        from bot.processes import write_credentials

        work = Path(tempfile.mkdtemp(prefix="minwon-rasa-"))
        out = _replace_option(out, "--credentials", str(write_credentials(work, dict(env))))
    # "--jwt-secret=" joined: a random secret may begin with "-" (one in 64 of token_urlsafe's),
    # which argparse would take for an option and Rasa would refuse to start
    return ["run", *out, f"--jwt-secret={secret}", "--jwt-method", JWT_METHOD]


def _telemetry_off() -> None:
    """No usage events, no crash reports, no telemetry id file.

    ``RASA_TELEMETRY_ENABLED=false`` stops the events but Rasa still writes a global config with
    a telemetry id and initialises its crash reporter (sentry) whatever the variable says; both
    are start-up hooks of Rasa's CLI, replaced here before the CLI runs.
    """
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    import rasa.telemetry

    def _disabled() -> bool:
        return False

    def _no_error_reporting() -> None:
        return None

    rasa.telemetry.initialize_telemetry = _disabled
    rasa.telemetry.initialize_error_reporting = _no_error_reporting


def main() -> None:
    args = rasa_argv(sys.argv[1:], os.environ)
    _telemetry_off()
    from bot import (
        fast_action_validation,
        fast_events,
        fast_inference,
        fast_slots,
        heap_freeze,
        pooled_http,
    )

    fast_events.install()
    fast_slots.install()
    fast_inference.install()
    heap_freeze.install()
    pooled_http.install(os.environ)
    try:
        fast_action_validation.install(os.environ)
    except fast_action_validation.ActionValidationConfigError as e:
        _fail(str(e))
    import rasa.__main__

    # Only this process's copy of argv changes: /proc/<pid>/cmdline (what `ps` shows) keeps the
    # command it was started with, which carries no secret.
    sys.argv = ["rasa", *args]
    rasa.__main__.main()


if __name__ == "__main__":
    main()
