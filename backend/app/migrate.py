"""Run Alembic migrations to head from code (startup, tests, bench)."""

from __future__ import annotations

from alembic.config import Config
from sqlalchemy import Engine

from alembic import command
from app.db import writing
from app.settings import BACKEND_ROOT


def alembic_config() -> Config:
    config = Config(str(BACKEND_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(BACKEND_ROOT / "alembic"))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Migrate the database behind `engine` to the newest revision."""
    config = alembic_config()
    with writing(), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
