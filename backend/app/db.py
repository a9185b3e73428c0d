"""Engine and session factory.

On SQLite a write transaction (begun inside `writing()`, as `Store.transaction()` does) runs as
BEGIN IMMEDIATE: the write lock is taken up front, so two concurrent writers queue instead of
failing on a lock upgrade. Every other transaction is a plain read (BEGIN), which WAL runs beside
the writer. Reads must not take the write lock: a request that autobegins one in a dependency
(the identity check) then awaits a worker thread for its endpoint, and with every worker busy
waiting for that lock, nothing moves until the lock's 30 s timeout (seen at 50 simultaneous
conversations). PostgreSQL stays at READ COMMITTED; the quota and idempotency rules rely on row
locks and unique constraints, not on the isolation level.

Both engines hide statement parameters (``hide_parameters=True``): a database error that is logged
or shown then carries the SQL, never the names, birth dates, phones or addresses bound to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_intent = threading.local()


@contextmanager
def writing() -> Iterator[None]:
    """Marks the transactions this thread begins inside the block as writes."""
    previous = getattr(_intent, "write", False)
    _intent.write = True
    try:
        yield
    finally:
        _intent.write = previous


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        # Writers queue on an in-process lock before BEGIN IMMEDIATE: SQLite's own busy handler
        # retries with sleeps of up to 100 ms, which turns contention into long latency tails.
        # The busy timeout still covers other processes (a second server, the bench reader).
        writer_lock = threading.Lock()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            if not getattr(_intent, "write", False):
                connection.exec_driver_sql("BEGIN")
                return
            if writer_lock.acquire(timeout=30):
                connection.info["minwon_writer_lock"] = True
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(connection)  # no transaction began, so no commit or rollback follows
                raise

        def _release(connection: Any) -> None:
            if connection.info.pop("minwon_writer_lock", False):
                writer_lock.release()

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)
        return engine
    return create_engine(
        url, pool_size=20, max_overflow=20, pool_pre_ping=True, hide_parameters=True
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
