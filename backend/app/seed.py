"""Idempotent seeding: the demo registry, load residents, businesses and dev staff accounts."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.adapters.registry import normalise_name
from app.db import writing
from app.district import DistrictFacts
from app.keyed_hash import hash_password, verify_password
from app.models import Business, Resident, StaffAccount

logger = logging.getLogger(__name__)

DEMO_FILE = "demo-residents.yml"
LOAD_FILE = "load-residents.yml"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def seed_residents(session: Session, rows: list[dict[str, Any]]) -> int:
    present = session.execute(select(Resident.name, Resident.birth_date, Resident.phone)).all()
    existing: set[tuple[str, date, str]] = {(n, b, p) for n, b, p in present}
    added = 0
    for row in rows:
        key = (normalise_name(row["name"]), _as_date(row["birth_date"]), str(row["phone"]))
        if key in existing:
            continue
        existing.add(key)
        session.add(
            Resident(
                name=key[0],
                birth_date=key[1],
                phone=key[2],
                dong=row["dong"],
                address=row["address"],
                disability=bool(row.get("disability")),
                pregnant=bool(row.get("pregnant")),
            )
        )
        added += 1
    return added


def seed_businesses(session: Session, rows: list[dict[str, Any]]) -> int:
    """Add missing businesses; give an existing one the file's contact phone if it has none.

    `contact_phone` is optional (older files have none): such a business proves itself with a
    staff-issued reservation token only.
    """
    existing = {b.business_number: b for b in session.scalars(select(Business)).all()}
    added = 0
    for row in rows:
        number = str(row["business_number"])
        contact = str(row["contact_phone"]) if row.get("contact_phone") else None
        if number in existing:
            if contact and not existing[number].contact_phone:
                existing[number].contact_phone = contact
            continue
        business = Business(
            business_number=number, name=row["name"], mou=bool(row["mou"]), contact_phone=contact
        )
        existing[number] = business
        session.add(business)
        added += 1
    return added


def seed_dev_staff(session: Session, district: DistrictFacts) -> int:
    existing = set(session.scalars(select(StaffAccount.username)).all())
    added = 0
    for row in district.dev_staff:
        if row["username"] in existing:
            _reactivate_dev_account(session, row)
            continue
        session.add(
            StaffAccount(
                username=row["username"],
                display_name=row["display_name"],
                password_hash=hash_password(row["password"]),
                role=row["role"],
                dong=row.get("dong"),
                active=True,
            )
        )
        added += 1
    return added


def _reactivate_dev_account(session: Session, row: dict[str, Any]) -> None:
    # Switched off by a non-dev start (see disable_dev_staff); back in dev it works again.
    account = session.scalars(
        select(StaffAccount).where(StaffAccount.username == row["username"])
    ).first()
    if account and not account.active and verify_password(row["password"], account.password_hash):
        account.active = True


def disable_dev_staff(session: Session, district: DistrictFacts) -> int:
    """Outside the dev profile, switch off accounts that still have a dev password.

    A database first run in dev and then in prod must not keep a known password.
    """
    disabled = 0
    for row in district.dev_staff:
        account = session.scalars(
            select(StaffAccount).where(StaffAccount.username == row["username"])
        ).first()
        if account and account.active and verify_password(row["password"], account.password_hash):
            account.active = False
            disabled += 1
    return disabled


def seed_all(
    session: Session,
    district_dir: Path,
    district: DistrictFacts,
    *,
    include_load_residents: bool,
    include_dev_staff: bool,
) -> None:
    """Seed what is missing; rows already present are left as they are."""
    demo = _load(district_dir / DEMO_FILE)
    with writing(), session.begin():
        residents = seed_residents(session, demo.get("residents", []))
        if include_load_residents:
            residents += seed_residents(session, _load(district_dir / LOAD_FILE)["residents"])
        businesses = seed_businesses(session, demo.get("businesses", []))
        staff = seed_dev_staff(session, district) if include_dev_staff else 0
        if not include_dev_staff:
            staff = -disable_dev_staff(session, district)
    logger.info("seeded", extra={"residents": residents, "businesses": businesses, "staff": staff})
