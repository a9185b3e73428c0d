"""Staff accounts: login, tokens, roles."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.errors import StaffForbidden, Unauthorized, WrongDong
from app.keyed_hash import DUMMY_PASSWORD_HASH, keyed_hash, new_token, verify_password
from app.models import StaffAccount, StaffToken
from app.repositories.store import Store

logger = logging.getLogger(__name__)

ROLES = ("counter", "dong_courier", "supervisor")

# Which roles may do what. Supervisors may do everything.
PERMISSIONS: dict[str, frozenset[str]] = {
    "tickets": frozenset({"counter", "supervisor"}),
    "deliveries": frozenset({"dong_courier", "supervisor"}),
    "care_cases": frozenset({"supervisor"}),
    "bulk_queue": frozenset({"counter", "supervisor"}),
    "counter_orders": frozenset({"counter", "supervisor"}),
}


@dataclass(frozen=True, slots=True)
class StaffLogin:
    token: str
    expires_at: datetime
    account: StaffAccount


def staff_actor(account: StaffAccount) -> str:
    return f"staff:{account.username}"


def login(
    store: Store, secret: str, *, username: str, password: str, ttl_s: int, now: datetime
) -> StaffLogin:
    """Check a password and issue a staff token.

    Raises:
        Unauthorized: unknown user, inactive account or wrong password (one answer for all).
    """
    with store.transaction():
        account = store.staff.by_username(username)
        # An unknown username costs the same scrypt as a known one.
        ok = verify_password(password, account.password_hash if account else DUMMY_PASSWORD_HASH)
        if account is None or not account.active or not ok:
            logger.info("staff_login_refused")
            raise Unauthorized("wrong username or password")
        token = new_token()
        expires_at = now + timedelta(seconds=ttl_s)
        store.staff.add_token(
            StaffToken(
                token_hash=keyed_hash(secret, "staff_token", token),
                staff_id=account.id,
                created_at=now,
                expires_at=expires_at,
            )
        )
        store.audit.record(
            actor=staff_actor(account),
            action="staff_login",
            entity_type="staff",
            entity_id=str(account.id),
            at=now,
        )
    logger.info("staff_login", extra={"staff_id": account.id, "role": account.role})
    return StaffLogin(token, expires_at, account)


def staff_for_token(store: Store, secret: str, *, token: str, now: datetime) -> StaffAccount:
    """Raises: Unauthorized when the token is unknown or expired."""
    record = store.staff.find_token(keyed_hash(secret, "staff_token", token))
    if record is None or now >= record.expires_at:
        raise Unauthorized("staff token unknown or expired")
    account = store.staff.get(record.staff_id)
    if account is None or not account.active:
        raise Unauthorized("staff account inactive")
    return account


def require(account: StaffAccount, permission: str) -> None:
    """Raises: StaffForbidden when the account's role lacks the permission."""
    if account.role not in PERMISSIONS[permission]:
        raise StaffForbidden(f"role {account.role} may not use {permission}")


def require_dong(account: StaffAccount, dong: str) -> None:
    """A dong courier acts only inside their own dong. Raises: WrongDong."""
    if account.role == "dong_courier" and account.dong != dong:
        raise WrongDong("order is in another dong")
