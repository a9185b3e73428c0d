"""Sliding-window limits on throttled actions (staff login, order look-up, token exchange).

A request takes a slot under each of its limits in one short write transaction, locked per
subject, so concurrent requests can never pass a limit together; the slot is counted before the
expensive or revealing work is done. Subjects are stored as keyed hashes, never in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.errors import RateLimited
from app.keyed_hash import keyed_hash
from app.repositories.store import Store


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` hits under `scope` per subject in any `window_s` seconds."""

    scope: str
    count: int
    window_s: int


@dataclass(frozen=True, slots=True)
class Taken:
    """The slots one request took: kept as failures, or given back after a success."""

    hit_ids: tuple[int, ...]


def subject_key(secret: str, scope: str, value: str) -> str:
    return keyed_hash(secret, f"limit:{scope}", value)


def retry_after_s(oldest: datetime | None, window_s: int, now: datetime) -> int:
    """Seconds until the oldest counted hit leaves the window (at least 1)."""
    retry_at = (oldest or now) + timedelta(seconds=window_s)
    return max(1, int((retry_at - now).total_seconds()) + 1)


def take(
    store: Store,
    secret: str,
    checks: list[tuple[Limit, str]],
    *,
    now: datetime,
    refusal: type[RateLimited],
) -> Taken:
    """Count one hit under each (limit, subject), or refuse with the longest wait.

    Raises:
        refusal: some limit is full; nothing is counted then.
    """
    keyed = [(limit, subject_key(secret, limit.scope, value)) for limit, value in checks]
    with store.transaction():
        store.limits.lock(f"{limit.scope}:{key}" for limit, key in keyed)
        wait = 0
        for limit, key in keyed:
            since = now - timedelta(seconds=limit.window_s)
            count, oldest = store.limits.count_since(scope=limit.scope, subject=key, since=since)
            if count >= limit.count:
                wait = max(wait, retry_after_s(oldest, limit.window_s, now))
        if wait:
            raise refusal(wait)
        ids = []
        for limit, key in keyed:
            store.limits.prune(
                scope=limit.scope, subject=key, before=now - timedelta(seconds=limit.window_s)
            )
            ids.append(store.limits.add(scope=limit.scope, subject=key, at=now))
    return Taken(tuple(ids))


def give_back(store: Store, taken: Taken) -> None:
    """Uncount a request's hits (a staff login that succeeded is not a failure)."""
    with store.transaction():
        for hit_id in taken.hit_ids:
            store.limits.remove(hit_id)
