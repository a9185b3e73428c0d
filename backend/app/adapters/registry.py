"""The resident registry behind a Protocol; the default reads the seeded `residents` table."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Resident


class Registry(Protocol):
    def find(self, session: Session, *, name: str, birth_date: date, phone: str) -> Resident | None:
        """Return the resident with exactly this name, birth date and phone on record."""

    def get(self, session: Session, resident_id: int) -> Resident | None:
        """Return the resident by internal id."""


def normalise_name(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip()


class SqlRegistry:
    def find(self, session: Session, *, name: str, birth_date: date, phone: str) -> Resident | None:
        stmt = select(Resident).where(
            Resident.name == normalise_name(name),
            Resident.birth_date == birth_date,
            Resident.phone == phone,
        )
        return session.scalars(stmt).first()

    def get(self, session: Session, resident_id: int) -> Resident | None:
        return session.get(Resident, resident_id)
