"""The console's one Rasa client, built from the settings when the console is mounted.

Pages take it with the `RasaDep` dependency. Without `MINWON_RASA_TOKEN` (a dev backend started
alone) there is no client: pages still work, and what needs Rasa says it is not connected.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from app.adapters.rasa_client import RasaClient
from app.settings import Settings


def build_rasa_client(settings: Settings) -> RasaClient | None:
    if settings.rasa_token is None or not settings.rasa_token.get_secret_value():
        return None
    return RasaClient(
        settings.rasa_url,
        settings.rasa_token.get_secret_value(),
        timeout_s=settings.rasa_timeout_s,
        token_ttl_s=settings.rasa_token_ttl_s,
    )


def attach_rasa_client(app: FastAPI, settings: Settings) -> None:
    app.state.console_rasa = build_rasa_client(settings)


def get_rasa(request: Request) -> RasaClient | None:
    client: RasaClient | None = getattr(request.app.state, "console_rasa", None)
    return client


RasaDep = Annotated[RasaClient | None, Depends(get_rasa)]
