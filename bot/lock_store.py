"""A Redis ticket lock store that stays correct with several Rasa instances.

Rasa Open Source 3.6's `RedisLockStore` changes a conversation's ticket lock by GET, modify in
Python, SET, with nothing in between to stop another process: two instances taking a message for
one conversation in the same instant can both be issued ticket 0 and run the turn at once (the SQL
tracker store then drops one writer's events), and `cleanup` can delete a lock another instance
has just queued on. Here every change of a lock (issue a ticket, drop expired tickets, drop a
served ticket) is one optimistic transaction: WATCH the key, read and change the lock, then
MULTI/EXEC the write, starting over if another client wrote the key meanwhile. The keys and the
stored JSON are the stock ones (`[<prefix>:]lock:<conversation_id>`), so the two stores can read
each other's locks.

A ticket is also a lease here. Stock tickets expire a fixed time after they are *issued*, so a
message that waited behind a dead instance's ticket (held until it expires, 60 s) acquires the
lock with its own ticket about to expire, and the next waiter then runs a turn of the same
conversation at the same time (the tracker store loses one writer's events). A waiting ticket is
renewed on every look at the lock and again when it is acquired, so a live waiter or holder
keeps its place for a whole lifetime, while a dead instance's ticket still runs out.

The holder renews its ticket too, every third of a short lease (`MINWON_LOCK_LEASE_S`, 15 s by
default, never longer than Rasa's lock lifetime), for as long as its turn runs. So a turn longer
than the lease keeps the lock, and a conversation whose turn died with its instance (killed,
out of memory) waits at most one lease for the dead ticket, not Rasa's 60-second lifetime.

Use it in endpoints.yml as `lock_store: {type: bot.lock_store.AtomicRedisLockStore, url: ...}`
with the same keys as `type: redis` (protocols.md 3.7).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# a transaction retries only when another client changed the same lock between WATCH and EXEC;
# with a handful of instances per conversation that settles within a few attempts
MAX_TRANSACTION_ATTEMPTS = 200
# a lock key outlives its last ticket by this much, so a crashed instance leaves no key forever
KEY_EXPIRY_MARGIN_MS = 1000
# tickets in flight in one process are few; this only bounds the map if cleanup never ran
MAX_REMEMBERED_LIFETIMES = 10_000
# how long a ticket lives without renewal (a holder renews it every third of this)
LEASE_ENV = "MINWON_LOCK_LEASE_S"
DEFAULT_LEASE_S = 15.0

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket issue and release are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        """Build from an endpoint config, as Rasa does for a lock store named by module path.

        `LockStore.create` calls a custom lock store class with `endpoint_config=` only; keyword
        arguments (those of `RedisLockStore`) are for direct use and override the config.
        """
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs,
                      **kwargs}
        super().__init__(**kwargs)
        # (conversation, ticket) → the lifetime it was issued with, to renew it by the same
        self._lifetimes: dict[tuple[str, int], float] = {}
        self.lease_s = float(os.environ.get(LEASE_ENV) or DEFAULT_LEASE_S)
        if self.lease_s <= 0:
            raise ValueError(f"{LEASE_ENV} must be a positive number of seconds")

    @contextlib.asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Rasa's lock, on a lease the holder renews until its turn is over."""
        lease = min(lock_lifetime, self.lease_s)
        ticket, first_look = self._issue_and_look(conversation_id, lease)
        try:
            # nobody ahead (the usual case): the lock is ours without a second transaction
            acquired = (first_look if not first_look.is_locked(ticket) else
                        await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds))
            keeper = asyncio.create_task(self._keep_lease(conversation_id, ticket, lease))
            try:
                yield acquired
            finally:
                keeper.cancel()
        finally:
            self.cleanup(conversation_id, ticket)

    async def _keep_lease(self, conversation_id: str, ticket: int, lease: float) -> None:
        """Renew the held `ticket` every third of its lease until cancelled (the turn is over)."""
        while True:
            await asyncio.sleep(lease / 3)
            try:
                lock = self._transact(conversation_id, lambda lk: _renewed(lk, ticket, lease))
            except Exception:  # Redis away for a moment: the next renewal tries again
                logger.warning("lock_lease_not_renewed", exc_info=True)
                continue
            if lock is None:
                logger.warning("lock_lease_lost")
                return

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket number for `conversation_id`, creating the lock if needed."""
        logger.debug("Issuing ticket for conversation '%s'.", conversation_id)
        try:
            number = self._transact(conversation_id,
                                    lambda lock: lock.issue_ticket(lock_lifetime))
            self._remember_lifetime(conversation_id, number, lock_lifetime)
            return number
        except LockError:
            raise
        except Exception as e:
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e

    def _issue_and_look(self, conversation_id: str, lifetime: float) -> tuple[int, TicketLock]:
        """`issue_ticket`, also returning the lock as it was written with the new ticket."""
        try:
            number, lock = self._transact(
                conversation_id, lambda lk: (lk.issue_ticket(lifetime), lk))
        except LockError:
            raise
        except Exception as e:
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e
        self._remember_lifetime(conversation_id, number, lifetime)
        return number, lock

    def _remember_lifetime(self, conversation_id: str, number: int, lifetime: float) -> None:
        if len(self._lifetimes) > MAX_REMEMBERED_LIFETIMES:
            self._lifetimes.clear()  # only ever non-default lifetimes are lost, and rarely
        self._lifetimes[(conversation_id, number)] = lifetime

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Wait for `ticket`'s turn, renewing it meanwhile; the lock once it is this ticket's."""
        lifetime = self._lifetimes.get((conversation_id, ticket), LOCK_LIFETIME)
        while True:
            lock = self._transact(conversation_id, lambda lk: _renewed(lk, ticket, lifetime))
            if lock is None:
                raise LockError(
                    f"Could not acquire lock for conversation_id '{conversation_id}': its "
                    "ticket ran out while waiting."
                )
            if not lock.is_locked(ticket):
                logger.debug("Acquired lock for conversation '%s'.", conversation_id)
                return lock
            await asyncio.sleep(wait_time_in_seconds)

    def update_lock(self, conversation_id: str) -> None:
        """Drop the expired tickets of `conversation_id`'s lock."""
        self._transact(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Drop ticket `ticket_number` from `conversation_id`'s lock."""
        self._transact(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Drop the ticket, and the lock with it when no ticket is left, in one transaction.

        The stock version deletes the lock in a second step, which can throw away a ticket
        issued in between.
        """
        self._lifetimes.pop((conversation_id, ticket_number), None)
        self.finish_serving(conversation_id, ticket_number)

    def _transact(self, conversation_id: str, change: Callable[[TicketLock], T]) -> T:
        """Apply `change` to the stored lock atomically and return what it returns.

        The lock is written back with its live tickets only; a lock with none is deleted, as
        stock `cleanup` does once no one waits. A lock that does not exist yet starts empty.
        """
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            for _ in range(MAX_TRANSACTION_ATTEMPTS):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = (TicketLock.from_dict(json.loads(raw)) if raw
                            else self.create_lock(conversation_id))
                    result = change(lock)
                    lock.remove_expired_tickets()
                    pipe.multi()
                    if lock.tickets:
                        pipe.set(key, lock.dumps(), px=_key_lifetime_ms(lock))
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue
        raise LockError(
            f"Could not change the lock of conversation '{conversation_id}': it changed under "
            f"every one of {MAX_TRANSACTION_ATTEMPTS} attempts."
        )


def _renewed(lock: TicketLock, ticket: int, lifetime: float) -> TicketLock | None:
    """`lock` with `ticket` renewed for `lifetime` from now; None when the ticket is gone."""
    lock.remove_expired_tickets()
    mine = next((t for t in lock.tickets if t.number == ticket), None)
    if mine is None:
        return None
    mine.expires = max(mine.expires, time.time() + lifetime)
    return lock


def _key_lifetime_ms(lock: TicketLock) -> int:
    """Milliseconds until the lock's last ticket expires, plus a margin."""
    last_expiry = max(ticket.expires for ticket in lock.tickets)
    return max(1, math.ceil((last_expiry - time.time()) * 1000)) + KEY_EXPIRY_MARGIN_MS
