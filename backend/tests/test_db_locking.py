"""SQLite: a read left open (as a request's identity check leaves one) never blocks a writer."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from app.db import make_engine, make_session_factory, writing


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with writing(), engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    return engine


def _write_in_thread(sessions, value: int) -> threading.Thread:  # type: ignore[no-untyped-def]
    def write() -> None:
        with sessions() as session, writing(), session.begin():
            session.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": value})

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_an_open_read_does_not_hold_the_write_lock(tmp_path: Path) -> None:
    sessions = make_session_factory(_engine(tmp_path))
    reader = sessions()
    try:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0  # autobegun
        writer = _write_in_thread(sessions, 1)
        # Before the fix the writer waited for the reader's lock: 30 s, the lock's timeout.
        writer.join(timeout=10)
        assert not writer.is_alive()
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0  # its snapshot
    finally:
        reader.close()
    with sessions() as fresh:
        assert fresh.execute(text("SELECT count(*) FROM t")).scalar_one() == 1


def test_writers_queue_for_each_other_and_all_land(tmp_path: Path) -> None:
    sessions = make_session_factory(_engine(tmp_path))
    threads = [_write_in_thread(sessions, i) for i in range(20)]
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    with sessions() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar_one() == 20


def test_a_failed_write_releases_the_lock_for_the_next(tmp_path: Path) -> None:
    sessions = make_session_factory(_engine(tmp_path))
    with sessions() as session:
        try:
            with writing(), session.begin():
                session.execute(text("INSERT INTO nowhere VALUES (1)"))
        except Exception:  # noqa: BLE001 - the failure is the point
            pass
    writer = _write_in_thread(sessions, 7)
    writer.join(timeout=10)
    assert not writer.is_alive()
