"""minwon's tracker store: Rasa 3.6's SQL tracker store that keeps residents' data private.

Configured in ``endpoints.yml`` and ``endpoints.scale.yml`` as
``type: bot.tracker_store.PrivateSQLTrackerStore`` with the keys of ``type: SQL`` (SQLite on one
machine, PostgreSQL when scaled out). What it changes (docs/privacy.md):

- **No request can stop the process.** Rasa's ``session_scope`` turns *any* ``ValueError`` raised
  while a session is open (a ``UnicodeEncodeError`` from a sender id holding a lone surrogate, a
  NUL that PostgreSQL refuses) into "schema not found" and ``sys.exit``. Here the schema is
  checked once at start-up, the only time a missing schema stops the process; afterwards errors
  are ordinary exceptions. Sender ids that cannot be stored as they are (not valid UTF-8, a NUL,
  longer than the column) are stored under a digest of the id, so such a conversation works;
  strings inside events are repaired (lone surrogates become U+FFFD) before they are stored.
- **No resident registration number is stored.** Every string a resident sent (text, parse
  data, entity values, metadata, text slots) is masked with ``nlu.pii.mask_rrn`` on save. An RRN
  split over two messages (a YYMMDD, then seven digits starting 1-8 in the next user message) has
  its back half masked; the front half stays, because alone it is the birth-date answer the bot
  asks for, and without the back half it is no RRN (the contract: RRNs are never stored).
- **Nothing personal is stored in clear.** The ``data`` column of every event (what residents
  said, what the bot answered, every slot: name, birth date, phone, identity token, orders with
  their delivery eligibility reasons) is encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under
  a key derived from ``MINWON_SECRET_KEY`` (HKDF-SHA256). Rasa, its HTTP API and the action server
  see the decrypted events. Only the sender id, event type, intent name, action or slot name and
  time stay readable, so operators can still count and trace conversations.
- **A turn's reads do not grow with old sessions.** Rasa's query for the current session compares
  every stored event of the sender with the latest session start (one ``OR`` over a subquery, so
  no index range applies). Here the session start is looked up first, and the events are then
  read by an index on (sender id, time): a resident's hundredth visit costs what the first did.
  Events are turned back into Rasa's classes without Rasa's per-event search of every event
  class (``bot/fast_events.py``). SQLite runs in WAL mode (one sync per commit instead of three;
  readers beside the writer); ``synchronous`` stays FULL unless ``MINWON_TRACKER_SQLITE_SYNC``
  says ``NORMAL`` (then the last commits can be lost on a power cut, never on a crash). The
  database's waits (the commit's disk sync, the reads) run in a worker thread, off Rasa's event
  loop; each event's plaintext is remembered by its token (bounded), so a turn decrypts only
  the events written since by other processes.
- **Conversations are kept for a bounded time.** A conversation whose last event is older than
  ``MINWON_RETENTION_DAYS`` (default 30) is deleted at start-up and then at most once every
  ``MINWON_RETENTION_SWEEP_SECONDS`` (default 3600) on a save.

Key rotation: set the new ``MINWON_SECRET_KEY`` and list the old ones, comma-separated, in
``MINWON_PREVIOUS_SECRET_KEYS``; events are read with any of them and written with the new one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Generator, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.events import Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.cli import print_error_and_exit

from bot import fast_events, log_redaction
from nlu.normalise.spoken_digits import DIGIT_BY_SYLLABLE
from nlu.pii import ends_with_rrn_front_half, mask_rrn, mask_rrn_back_halves

logger = logging.getLogger(__name__)

SECRET_KEY_ENV = "MINWON_SECRET_KEY"
PREVIOUS_KEYS_ENV = "MINWON_PREVIOUS_SECRET_KEYS"
RETENTION_DAYS_ENV = "MINWON_RETENTION_DAYS"
SWEEP_SECONDS_ENV = "MINWON_RETENTION_SWEEP_SECONDS"
SQLITE_SYNC_ENV = "MINWON_TRACKER_SQLITE_SYNC"
SQLITE_SYNC_MODES = ("FULL", "NORMAL")
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_POOL_SIZE = 4
# Index range reads of one sender's events: its latest session start, then that session's events.
_INDEXES = {
    "ix_events_sender_type_time": ("sender_id", "type_name", "timestamp"),
    "ix_events_sender_time": ("sender_id", "timestamp"),
}
DEFAULT_RETENTION_DAYS = 30
DEFAULT_SWEEP_SECONDS = 3600
# Only these profiles may run without MINWON_SECRET_KEY (bot/profiles.py; unset = production).
_KEYLESS_PROFILES = frozenset({"dev", "test"})
# A key no other deployment should use; the dev and test profiles only, with a warning.
_DEV_KEY = "minwon-dev-tracker-key-not-secret"
_KDF_SALT = b"minwon tracker store"
_KDF_INFO = b"event data, fernet v1"
ENCRYPTED_FIELD = "encrypted"
_COLUMN_CHARS = 255  # sender_id, type_name, intent_name, action_name are String(255)
_UNSTORABLE_ID_PREFIX = "unstorable-id:"
_SECONDS_PER_DAY = 86_400
_REPLACEMENT = "\ufffd"
_STORED_EVENTS = "_minwon_stored_events"  # on a retrieved tracker: its session's stored events


class TrackerStoreConfigError(Exception):
    """The tracker store cannot start with this configuration (raised at start-up only)."""


# --- configuration ---


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_KDF_SALT, info=_KDF_INFO).derive(
        secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def cipher_from_env(env: Mapping[str, str] = os.environ) -> MultiFernet:
    """The event cipher: writes with MINWON_SECRET_KEY, reads with it or a previous key."""
    secret = env.get(SECRET_KEY_ENV, "").strip()
    if not secret:
        profile = (env.get("MINWON_PROFILE") or "production").strip().lower()
        if profile not in _KEYLESS_PROFILES:
            raise TrackerStoreConfigError(
                f"{SECRET_KEY_ENV} is not set: the tracker store encrypts conversations with a "
                f"key derived from it (profile {profile}; docs/privacy.md)."
            )
        logger.warning(
            "%s is not set; the %s profile encrypts the tracker store with a published key.",
            SECRET_KEY_ENV, profile,
        )
        secret = _DEV_KEY
    previous = [k.strip() for k in env.get(PREVIOUS_KEYS_ENV, "").split(",") if k.strip()]
    return MultiFernet([_fernet(secret), *(_fernet(k) for k in previous)])


def _positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise TrackerStoreConfigError(f"{name}={raw!r}: give a positive number")
    return value


def retention_days_from_env(env: Mapping[str, str] = os.environ) -> float:
    return _positive_number(env, RETENTION_DAYS_ENV, DEFAULT_RETENTION_DAYS)


def sqlite_sync_from_env(env: Mapping[str, str] = os.environ) -> str:
    mode = (env.get(SQLITE_SYNC_ENV) or "FULL").strip().upper()
    if mode not in SQLITE_SYNC_MODES:
        raise TrackerStoreConfigError(
            f"{SQLITE_SYNC_ENV}={mode!r}: give one of {', '.join(SQLITE_SYNC_MODES)}")
    return mode


# --- what is stored ---


def storage_key(sender_id: str) -> str:
    """The sender id as stored: itself, or a digest when the database could not take it as is.

    A digest rather than a repaired id, so two different bad ids never share a conversation.
    """
    try:
        sender_id.encode("utf-8")
        storable = "\x00" not in sender_id and len(sender_id) <= _COLUMN_CHARS
    except UnicodeEncodeError:
        storable = False
    if storable:
        return sender_id
    raw = sender_id.encode("utf-8", "surrogatepass")
    return _UNSTORABLE_ID_PREFIX + hashlib.sha256(raw).hexdigest()


def _repair(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD, so every database and JSON writer takes it."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(_REPLACEMENT if unicodedata.category(c) == "Cs" else c for c in text)


def _column(value: Any) -> str | None:
    if value is None:
        return None
    return _repair(str(value)).replace("\x00", "")[:_COLUMN_CHARS]


def _map_strings(value: Any, change: Any) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {_map_strings(k, change): _map_strings(v, change) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_map_strings(v, change) for v in value]
    return value


def _mask_said(data: dict[str, Any], mask: Any) -> None:
    """Applies `mask` to every string a resident said or filled inside one serialised event."""
    kind = data.get("event")
    if kind == UserUttered.type_name:
        for key in ("text", "metadata", "parse_data", "entities"):
            if key in data:
                data[key] = _map_strings(data[key], lambda s: mask(s) if _may_hold(s) else s)
    elif kind == SlotSet.type_name and isinstance(data.get("value"), str):
        data["value"] = mask(data["value"]) if _may_hold(data["value"]) else data["value"]
    elif kind == "entities":
        data["entities"] = _map_strings(data.get("entities"),
                                        lambda s: mask(s) if _may_hold(s) else s)


# Every character the RRN guard can read as a digit: any Unicode decimal digit (the guard folds
# full-width and other scripts' digits to ASCII) and the spoken digit syllables.
_DIGIT_LIKE = re.compile("[\\d" + "".join(DIGIT_BY_SYLLABLE) + "]")
_MIN_DIGITS = 7  # an RRN's back half alone is the shortest thing masked


def _may_hold(text: str) -> bool:
    """Cheap pre-check: fewer than seven digit-like characters cannot hold an RRN or its half."""
    found = 0
    for _ in _DIGIT_LIKE.finditer(text):
        found += 1
        if found >= _MIN_DIGITS:
            return True
    return False


def _previous_user_text(events: list[Event], before: int) -> str | None:
    for event in reversed(events[:before]):
        if isinstance(event, UserUttered):
            return event.text or ""
        if isinstance(event, SessionStarted):
            return None
    return None


def serialise_events(
    tracker: DialogueStateTracker, first_new: int
) -> list[tuple[Event, dict[str, Any]]]:
    """The tracker's events from `first_new` on, as dicts with RRNs masked and strings repaired."""
    events = list(tracker.events)
    out: list[tuple[Event, dict[str, Any]]] = []
    back_half_turn = False
    for index in range(first_new, len(events)):
        event = events[index]
        data = _map_strings(event.as_dict(), _repair)  # new containers: Rasa's stay as they are
        if isinstance(event, UserUttered):
            before = _previous_user_text(events, index)
            back_half_turn = before is not None and ends_with_rrn_front_half(before)
        _mask_said(data, mask_rrn)
        if back_half_turn:
            _mask_said(data, mask_rrn_back_halves)
        out.append((event, data))
    return out


# --- the store ---


PLAINTEXT_CACHE_EVENTS = 20_000


class PlaintextCache:
    """The plaintext of the events this process wrote or read lately, by their Fernet token.

    A stored event never changes, and each token is unique (random IV), so a token seen before
    needs no second decryption: a turn then decrypts only the events other processes added
    since. Bounded (least recently used out); the same data Rasa holds in memory for a turn.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()  # saves run in worker threads

    def get(self, token: str) -> bytes | None:
        with self._lock:
            plaintext = self._items.get(token)
            if plaintext is not None:
                self._items.move_to_end(token)
            return plaintext

    def put(self, token: str, plaintext: bytes) -> None:
        with self._lock:
            self._items[token] = plaintext
            self._items.move_to_end(token)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class PrivateSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that never exits on a request's data, masks RRNs, encrypts, and forgets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The first minwon code Rasa runs at start-up: mask personal numbers in its logs from here.
        log_redaction.install()
        fast_events.install()
        try:
            self._cipher = cipher_from_env()
            self._retention_days = retention_days_from_env()
            self._sweep_every_s = _positive_number(
                os.environ, SWEEP_SECONDS_ENV, DEFAULT_SWEEP_SECONDS)
            sqlite_sync = sqlite_sync_from_env()
        except TrackerStoreConfigError as e:
            print_error_and_exit(str(e))
        self._plaintexts = PlaintextCache(PLAINTEXT_CACHE_EVENTS)
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._sqlite_wal(sqlite_sync)
        self._check_schema_at_start()
        self._create_indexes()
        self._last_sweep = 0.0
        self.sweep_expired()

    def _check_schema_at_start(self) -> None:
        """The one place a missing PostgreSQL schema (POSTGRESQL_SCHEMA) stops the process."""
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
        except ValueError as e:
            print_error_and_exit(
                f"Requested PostgreSQL schema '{e}' was not found in the database; create it "
                f"or unset POSTGRESQL_SCHEMA."
            )
        finally:
            session.close()

    def _sqlite_wal(self, synchronous: str) -> None:
        """WAL journal (kept in the file) and the sync level on every new connection."""

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            # saves run in worker threads: a writer waits for another instead of failing
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

        # Rasa's engine (SQLAlchemy 1.4) opens a new SQLite connection for every session; a
        # small pool shared by the worker threads keeps them, as SQLAlchemy 2 does by default.
        if self.engine.url.database not in (None, "", ":memory:"):
            self.engine.dispose()
            self.engine = sa.create_engine(
                self.engine.url, poolclass=sa.pool.QueuePool, pool_size=SQLITE_POOL_SIZE,
                max_overflow=SQLITE_POOL_SIZE, connect_args={"check_same_thread": False})
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        sa.event.listen(self.engine, "connect", on_connect)
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")

    def _create_indexes(self) -> None:
        table = self.SQLEvent.__table__
        for name, columns in _INDEXES.items():
            index = sa.Index(name, *(table.c[c] for c in columns))
            try:
                index.create(bind=self.engine, checkfirst=True)
            except sa.exc.SQLAlchemyError:
                # another instance created it at the same moment: the index is there either way
                logger.info("Index %s not created here (exists already?)", name)

    @contextlib.contextmanager
    def session_scope(self) -> Generator[sa.orm.Session, None, None]:
        """A session; errors inside it are the caller's, never a reason to exit."""
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()

    def _event_query(
        self, session: sa.orm.Session, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> sa.orm.Query:
        """Rasa's query (ordered by id; the latest session only unless all are asked for).

        Same rows as ``SQLTrackerStore._event_query`` (events at or after the latest
        ``session_started``, or all when there is none), in two index range reads.
        """
        table = self.SQLEvent
        key = storage_key(sender_id)
        query = session.query(table).filter(table.sender_id == key)
        if not fetch_events_from_all_sessions:
            session_start = (
                session.query(sa.func.max(table.timestamp))
                .filter(table.sender_id == key, table.type_name == SessionStarted.type_name)
                .scalar()
            )
            if session_start is not None:
                query = query.filter(table.timestamp >= session_start)
        return query.order_by(table.id)

    # encryption

    def encrypt(self, data: dict[str, Any]) -> str:
        plaintext = json.dumps(data).encode("ascii")
        token = self._cipher.encrypt(plaintext).decode("ascii")
        self._plaintexts.put(token, plaintext)
        return json.dumps({ENCRYPTED_FIELD: token})

    def decrypt(self, stored: str) -> dict[str, Any]:
        data = json.loads(stored)
        if set(data) != {ENCRYPTED_FIELD}:
            return data  # written before encryption was switched on
        token = data[ENCRYPTED_FIELD]
        plaintext = self._plaintexts.get(token)
        if plaintext is not None:
            return json.loads(plaintext)
        try:
            plaintext = self._cipher.decrypt(token.encode("ascii"))
        except InvalidToken as e:
            raise ValueError(
                "a tracker event cannot be decrypted: MINWON_SECRET_KEY changed without "
                "MINWON_PREVIOUS_SECRET_KEYS (docs/privacy.md)"
            ) from e
        self._plaintexts.put(token, plaintext)
        return json.loads(plaintext)

    # Rasa's API

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        # the database's wait (disk, network) off the event loop: other turns go on meanwhile
        rows = await asyncio.get_running_loop().run_in_executor(
            None, self._stored_data, sender_id, fetch_events_from_all_sessions)
        events = [self.decrypt(data) for data in rows]
        if self.domain and events:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            if not fetch_events_from_all_sessions and len(tracker.events) == len(rows):
                # what the save would count again (Rasa's lock keeps other writers out meanwhile)
                tracker.__dict__[_STORED_EVENTS] = (id(tracker), len(rows))
            return tracker
        return None

    def _stored_data(self, sender_id: str, fetch_events_from_all_sessions: bool) -> list[str]:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            return [data for (data,) in query.with_entities(self.SQLEvent.data)]  # no ORM rows

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        # Appends the events not stored yet; the commit (a disk sync) runs off the event loop,
        # and Rasa's lock keeps this conversation's tracker unchanged until it is done.
        await asyncio.get_running_loop().run_in_executor(None, self._append_new_events, tracker)

    def _append_new_events(self, tracker: DialogueStateTracker) -> None:
        key = storage_key(tracker.sender_id)
        # the count of the latest session's stored events, known when this tracker was read
        # (a quarter of a save's queries); a copy, a new tracker or one saved already asks again
        reader, known = tracker.__dict__.pop(_STORED_EVENTS, (None, None))
        if reader != id(tracker):
            known = None
        with self.session_scope() as session:
            stored = known if known is not None else self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            rows = [
                {
                    "sender_id": key,
                    "type_name": _column(event.type_name),
                    "timestamp": data.get("timestamp"),
                    "intent_name": _column(
                        (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY)
                    ),
                    "action_name": _column(data.get("name")),
                    "data": self.encrypt(data),
                }
                for event, data in serialise_events(tracker, stored)
            ]
            if rows:
                # one executemany, not the ORM's unit of work with an INSERT per row (it reads
                # each new id back): a quarter of a save's CPU (issue 11)
                session.execute(self.SQLEvent.__table__.insert(), rows)
                session.commit()
        self._maybe_sweep()

    async def keys(self) -> Iterable[str]:
        with self.session_scope() as session:
            return [k for (k,) in session.query(self.SQLEvent.sender_id).distinct().all()]

    # retention

    def _maybe_sweep(self) -> None:
        if time.monotonic() - self._last_sweep >= self._sweep_every_s:
            self.sweep_expired()

    def sweep_expired(self, now: float | None = None) -> int:
        """Deletes every conversation whose last event is older than the retention period.

        Returns how many conversations were deleted. A failure is logged, never raised: the
        next sweep tries again.
        """
        self._last_sweep = time.monotonic()
        cutoff = (time.time() if now is None else now) - self._retention_days * _SECONDS_PER_DAY
        table = self.SQLEvent
        try:
            with self.session_scope() as session:
                expired = (
                    session.query(table.sender_id)
                    .group_by(table.sender_id)
                    .having(sa.func.max(table.timestamp) < cutoff)
                    .subquery()
                )
                count = session.query(sa.func.count()).select_from(expired).scalar() or 0
                if count:
                    session.query(table).filter(
                        table.sender_id.in_(sa.select(expired.c.sender_id))
                    ).delete(synchronize_session=False)
                    session.commit()
        except sa.exc.SQLAlchemyError:
            logger.exception("Retention sweep of the tracker store failed; retrying later.")
            return 0
        if count:
            logger.info(
                "Retention: deleted %d conversation(s) idle for more than %g days.",
                count, self._retention_days,
            )
        return int(count)
