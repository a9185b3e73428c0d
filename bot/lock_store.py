"""A Redis ticket lock store that stays correct with several Rasa instances.

Rasa Open Source 3.6's `RedisLockStore` changes a conversation's ticket lock by GET, modify in
Python, SET, with nothing in between to stop another process: two instances taking a message for
one conversation in the same instant can both be issued ticket 0 and run the turn at once (the SQL
tracker store then drops one writer's events), and `cleanup` can delete a lock another instance
has just queued on. Here every change of a lock (issue a ticket, drop expired tickets, drop a
served ticket) is atomic (see below). The keys and the stored JSON are the stock ones
(`[<prefix>:]lock:<conversation_id>`), so the two stores can read each other's locks.

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

Each change is one Lua script run inside Redis (atomic by Redis's own rule: nothing else runs
while a script does): read the lock, drop expired tickets, change it, write it back or delete it.
Until 2026-12-05 each was a WATCH/GET/MULTI/SET/EXEC transaction, three round trips and five
commands, retried when another client wrote the key in between; two of them per turn were 5 % of
a Rasa process under Kakao load (py-spy, issue 11). Expiry times are the client's clock, as in
Rasa's ``TicketLock``, passed to the script with each call.

Use it in endpoints.yml as `lock_store: {type: bot.lock_store.AtomicRedisLockStore, url: ...}`
with the same keys as `type: redis` (protocols.md 3.7).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# One change of a lock, atomically. ARGV: operation, now (client clock, seconds), conversation id,
# key expiry margin (ms), then the operation's arguments. A lock is stored as Rasa stores it:
# {"conversation_id": ..., "tickets": [<each ticket's own JSON: {"number", "expires"}>]}.
# Returns {the ticket number issued or renewed, else -1; the lock as written, or ""}.
_CHANGE_LOCK = """
local raw = redis.call('GET', KEYS[1])
local op, now, margin = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[4])
local conversation_id = ARGV[3]
local tickets = {}
if raw then
  local stored = cjson.decode(raw)
  if type(stored.conversation_id) == 'string' then conversation_id = stored.conversation_id end
  if type(stored.tickets) == 'table' then
    for _, text in ipairs(stored.tickets) do
      local ticket = cjson.decode(text)
      if ticket.expires >= now then table.insert(tickets, ticket) end
    end
  end
end
local number = -1
if op == 'issue' then
  number = 0
  if #tickets > 0 then number = tickets[#tickets].number + 1 end
  table.insert(tickets, {number = number, expires = now + tonumber(ARGV[5])})
elseif op == 'renew' then
  local wanted = tonumber(ARGV[5])
  for _, ticket in ipairs(tickets) do
    if ticket.number == wanted then
      number = wanted
      ticket.expires = math.max(ticket.expires, now + tonumber(ARGV[6]))
    end
  end
elseif op == 'remove' then
  local wanted = tonumber(ARGV[5])
  for i = #tickets, 1, -1 do
    if tickets[i].number == wanted then table.remove(tickets, i) end
  end
end
if #tickets == 0 then
  redis.call('DEL', KEYS[1])
  return {number, ''}
end
local texts, last = {}, 0
for i, ticket in ipairs(tickets) do
  texts[i] = cjson.encode({number = ticket.number, expires = ticket.expires})
  if ticket.expires > last then last = ticket.expires end
end
local lock = cjson.encode({conversation_id = conversation_id, tickets = texts})
redis.call('SET', KEYS[1], lock, 'PX', math.max(1, math.ceil((last - now) * 1000)) + margin)
return {number, lock}
"""
# a lock key outlives its last ticket by this much, so a crashed instance leaves no key forever
KEY_EXPIRY_MARGIN_MS = 1000
# tickets in flight in one process are few; this only bounds the map if cleanup never ran
MAX_REMEMBERED_LIFETIMES = 10_000
# how long a ticket lives without renewal (a holder renews it every third of this)
LEASE_ENV = "MINWON_LOCK_LEASE_S"
DEFAULT_LEASE_S = 15.0


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
        # EVALSHA, loading the script again when Redis has forgotten it (a restart, SCRIPT FLUSH)
        self._change_lock = self.red.register_script(_CHANGE_LOCK)

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
            # nobody ahead (the usual case): the lock is ours without a second call to Redis
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
                lock = self._change(conversation_id, "renew", ticket, lease)
            except Exception:  # Redis away for a moment: the next renewal tries again
                logger.warning("lock_lease_not_renewed", exc_info=True)
                continue
            if lock is None:
                logger.warning("lock_lease_lost")
                return

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket number for `conversation_id`, creating the lock if needed."""
        logger.debug("Issuing ticket for conversation '%s'.", conversation_id)
        return self._issue_and_look(conversation_id, lock_lifetime)[0]

    def _issue_and_look(self, conversation_id: str, lifetime: float) -> tuple[int, TicketLock]:
        """`issue_ticket`, also returning the lock as it was written with the new ticket."""
        try:
            number, lock = self._run(conversation_id, "issue", lifetime)
        except LockError:
            raise
        except Exception as e:
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e
        if lock is None:  # the new ticket expired at once (a lifetime of zero or less)
            lock = self.create_lock(conversation_id)
        if len(self._lifetimes) > MAX_REMEMBERED_LIFETIMES:
            self._lifetimes.clear()  # only ever non-default lifetimes are lost, and rarely
        self._lifetimes[(conversation_id, number)] = lifetime
        return number, lock

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Wait for `ticket`'s turn, renewing it meanwhile; the lock once it is this ticket's."""
        lifetime = self._lifetimes.get((conversation_id, ticket), LOCK_LIFETIME)
        while True:
            lock = self._change(conversation_id, "renew", ticket, lifetime)
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
        self._run(conversation_id, "clean")

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Drop ticket `ticket_number` from `conversation_id`'s lock."""
        self._run(conversation_id, "remove", ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Drop the ticket, and the lock with it when no ticket is left, in one step.

        The stock version deletes the lock in a second step, which can throw away a ticket
        issued in between.
        """
        self._lifetimes.pop((conversation_id, ticket_number), None)
        self.finish_serving(conversation_id, ticket_number)

    def _change(self, conversation_id: str, operation: str, *args: float) -> TicketLock | None:
        """The lock after `operation`, or None when the ticket it names is gone."""
        number, lock = self._run(conversation_id, operation, *args)
        return lock if number >= 0 else None

    def _run(self, conversation_id: str, operation: str,
             *args: float) -> tuple[int, TicketLock | None]:
        """Run `operation` on the stored lock inside Redis (see `_CHANGE_LOCK`).

        The lock is written back with its live tickets only; a lock with none is deleted, as
        stock `cleanup` does once no one waits. A lock that does not exist yet starts empty.
        """
        number, written = self._change_lock(
            keys=[self.key_prefix + conversation_id],
            args=[operation, repr(time.time()), conversation_id, KEY_EXPIRY_MARGIN_MS,
                  *(repr(a) for a in args)],
        )
        lock = TicketLock.from_dict(json.loads(written)) if written else None
        return int(number), lock
