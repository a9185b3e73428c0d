"""A failing statement's error and log carry the SQL, never the personal data bound to it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.db import make_engine

NAME, PHONE, ADDRESS = "김영희", "01012345678", "서울특별시 중구 다산로 32"


def test_a_failing_insert_shows_no_parameters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # echo every statement
    try:
        with engine.begin() as conn:
            conn.execute(text("create table person (phone text primary key, name text, addr text)"))
        row = {"phone": PHONE, "name": NAME, "addr": ADDRESS}
        insert = text("insert into person values (:phone, :name, :addr)")
        with pytest.raises(IntegrityError) as failure, engine.begin() as conn:
            conn.execute(insert, row)
            conn.execute(insert, row)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
        engine.dispose()
    shown = str(failure.value) + "\n" + caplog.text
    assert "insert into person" in shown  # the statement is there to debug with
    assert "parameters hidden" in shown
    for personal in (NAME, PHONE, ADDRESS):
        assert personal not in shown
