"""Staff accounts: login, tokens, roles."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.errors import LoginRateLimited, StaffForbidden, Unauthorized, WrongDong
from app.keyed_hash import DUMMY_PASSWORD_HASH, keyed_hash, new_token, verify_password
from app.models import StaffAccount, StaffToken
from app.repositories.store import Store
from app.services.limits import Limit, give_back, take

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


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failed logins allowed per account and per client address in a sliding window, and how
    many password hashes may run at once."""

    account_count: int = 5
    client_count: int = 20
    window_s: int = 900
    hash_concurrency: int = 2


@functools.cache
def _hashing_slots(size: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(size)


def _check_password(password: str, stored_hash: str, concurrency: int) -> bool:
    # scrypt takes ~40 ms of CPU and 16 MB: a login storm may use only `concurrency` cores'
    # worth, so orders and look-ups keep running beside it.
    with _hashing_slots(max(1, concurrency)):
        return verify_password(password, stored_hash)


def authenticate(
    store: Store,
    secret: str,
    *,
    username: str,
    password: str,
    now: datetime,
    client_address: str = "unknown",
    limits: LoginLimits | None = None,
) -> StaffAccount:
    """Check a password under the login limits; the account on success (no token issued).

    The attempt takes a slot under the account's and the client's failure limits first (a short
    transaction, so concurrent guesses cannot pass the limit together); the password hash is
    computed with no transaction open and no database lock held, at most
    `limits.hash_concurrency` at a time; a success gives the slots back. The bearer-token login
    and the console's cookie login both go through here.

    Raises:
        LoginRateLimited: too many failed logins for the account or from the client.
        Unauthorized: unknown user, inactive account or wrong password (one answer for all).
    """
    limits = limits or LoginLimits()
    taken = take(
        store,
        secret,
        [
            (Limit("staff_login:account", limits.account_count, limits.window_s), username.lower()),
            (Limit("staff_login:client", limits.client_count, limits.window_s), client_address),
        ],
        now=now,
        refusal=LoginRateLimited,
    )
    account = store.staff.by_username(username)
    stored_hash = account.password_hash if account else DUMMY_PASSWORD_HASH
    active = bool(account and account.active)
    store.session.commit()  # end the read: scrypt (~40 ms) runs with nothing held
    # An unknown username costs the same scrypt as a known one.
    ok = _check_password(password, stored_hash, limits.hash_concurrency)
    if account is None or not active or not ok:
        logger.info("staff_login_refused")
        raise Unauthorized("wrong username or password")
    give_back(store, taken)
    return account


def login(
    store: Store,
    secret: str,
    *,
    username: str,
    password: str,
    ttl_s: int,
    now: datetime,
    client_address: str = "unknown",
    limits: LoginLimits | None = None,
) -> StaffLogin:
    """Check a password (`authenticate`) and issue a staff bearer token.

    Raises:
        LoginRateLimited: too many failed logins for the account or from the client.
        Unauthorized: unknown user, inactive account or wrong password (one answer for all).
    """
    account = authenticate(
        store,
        secret,
        username=username,
        password=password,
        now=now,
        client_address=client_address,
        limits=limits,
    )
    token = new_token()
    expires_at = now + timedelta(seconds=ttl_s)
    with store.transaction():
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
