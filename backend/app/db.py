"""Engine and session factory.

SQLite runs every transaction as BEGIN IMMEDIATE: the write lock is taken up front, so two
concurrent writers queue on the busy timeout instead of failing on a lock upgrade. PostgreSQL
stays at READ COMMITTED; the quota and idempotency rules rely on row locks and unique
constraints, not on the isolation level.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

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
            if writer_lock.acquire(timeout=30):
                connection.info["minwon_writer_lock"] = True
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        def _release(connection: Any) -> None:
            if connection.info.pop("minwon_writer_lock", False):
                writer_lock.release()

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)
        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
