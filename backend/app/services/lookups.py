"""Order status by number: throttled per conversation and per client, so numbers cannot be
swept (an order number is 8 random digits; the limits keep guessing far below one hit)."""

from __future__ import annotations

from datetime import datetime

from app.errors import LookupRateLimited
from app.repositories.store import Store
from app.services.limits import Limit, take
from app.settings import Settings


def lookup_limits(settings: Settings, scope: str = "order_lookup") -> tuple[Limit, Limit]:
    window = settings.order_lookup_window_s
    return (
        Limit(f"{scope}:conversation", settings.order_lookup_conversation_limit_count, window),
        Limit(f"{scope}:client", settings.order_lookup_client_limit_count, window),
    )


def throttle_lookup(
    store: Store,
    settings: Settings,
    *,
    conversation_id: str,
    client: str | None,
    now: datetime,
    scope: str = "order_lookup",
) -> None:
    """Count one look-up for the conversation and its client (the conversation when none).

    Raises:
        LookupRateLimited: either limit is full.
    """
    by_conversation, by_client = lookup_limits(settings, scope)
    take(
        store,
        settings.secret_key.get_secret_value(),
        [
            (by_conversation, conversation_id),
            (by_client, f"client:{client}" if client else f"conversation:{conversation_id}"),
        ],
        now=now,
        refusal=LookupRateLimited,
    )
