"""``./minwon start``: trains if needed, starts backend, action server and Rasa, prints the URLs.

Processes are supervised by honcho (the Procfile runner): one console with a coloured prefix per
process, and Ctrl-C stops every process cleanly. Each process also writes its own log under
``logs/``. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import threading

from honcho.manager import Manager

from bot.processes import DEV_RASA_TOKEN, ROOT, Ports, system_specs, wait_healthy
from scripts.model_cache import ensure_model


def announce_when_ready(urls: list[str], ports: Ports) -> None:
    try:
        for url in urls:
            wait_healthy(url, timeout_s=300)
    except (TimeoutError, RuntimeError) as e:
        print(f"[minwon] not ready: {e}; see logs/", flush=True)
        return
    print(
        "\n[minwon] ready\n"
        f"  web chat        http://127.0.0.1:{ports.rasa}/webhooks/webchat/\n"
        f"  REST webhook    POST http://127.0.0.1:{ports.rasa}/webhooks/rest/webhook\n"
        f"  Rasa HTTP API   http://127.0.0.1:{ports.rasa}/  (token: {DEV_RASA_TOKEN} in dev)\n"
        f"  backend API     http://127.0.0.1:{ports.backend}/docs\n"
        f"  SMS outbox      http://127.0.0.1:{ports.backend}/dev/sms-outbox?phone=01012345678\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend-port", type=int, default=8000)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--rasa-port", type=int, default=5005)
    args = parser.parse_args()
    ports = Ports(args.backend_port, args.actions_port, args.rasa_port)

    model = ensure_model()
    manager = Manager()
    specs = system_specs(model, ports, ROOT / "var", ROOT / "logs")
    for spec in specs:
        manager.add_process(spec.name, shlex.join(spec.argv), env=spec.env, cwd=str(spec.cwd))
    threading.Thread(
        target=announce_when_ready, args=([s.health_url for s in specs], ports), daemon=True
    ).start()
    manager.loop()
    sys.exit(manager.returncode)


if __name__ == "__main__":
    main()
