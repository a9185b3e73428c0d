"""Per-request dependencies: the store, the clock, the caller's credentials."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from app.district import DistrictFacts
from app.errors import IdentityRequired, Unauthorized
from app.keyed_hash import hashes_match
from app.models import StaffAccount
from app.repositories.store import Store
from app.runtime import Runtime
from app.services.identity import ConfirmedIdentity, identity_for_token
from app.services.staff import staff_for_token


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_store(runtime: RuntimeDep) -> Iterator[Store]:
    session = runtime.sessions()
    try:
        yield Store(session)
    finally:
        session.close()


def get_now(runtime: RuntimeDep) -> datetime:
    return runtime.clock()


def get_district(runtime: RuntimeDep) -> DistrictFacts:
    return runtime.district


StoreDep = Annotated[Store, Depends(get_store)]
NowDep = Annotated[datetime, Depends(get_now)]
DistrictDep = Annotated[DistrictFacts, Depends(get_district)]


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_service_token(
    runtime: RuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """Raises: Unauthorized when the bearer token is not the service token."""
    token = _bearer(authorization)
    expected = runtime.settings.service_token.get_secret_value()
    if token is None or not hashes_match(token, expected):
        raise Unauthorized("service token missing or wrong")


def current_identity(
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
    x_identity_token: Annotated[str | None, Header()] = None,
    x_conversation_id: Annotated[str | None, Header()] = None,
    conversation_id: Annotated[str | None, Query(max_length=200)] = None,
) -> ConfirmedIdentity:
    """The resident behind `X-Identity-Token`; bound to the conversation when one is named.

    Raises:
        IdentityRequired: no token. IdentityInvalid: unknown, expired or other conversation.
    """
    if not x_identity_token:
        raise IdentityRequired("identity token required")
    return identity_for_token(
        store,
        runtime.registry,
        runtime.identity_policy,
        token=x_identity_token,
        conversation_id=conversation_id or x_conversation_id,
        now=now,
    )


def current_staff(
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
    authorization: Annotated[str | None, Header()] = None,
) -> StaffAccount:
    """Raises: Unauthorized when the staff token is missing, unknown or expired."""
    token = _bearer(authorization)
    if token is None:
        raise Unauthorized("staff token missing")
    return staff_for_token(
        store, runtime.settings.secret_key.get_secret_value(), token=token, now=now
    )


ServiceAuth = Depends(require_service_token)
IdentityDep = Annotated[ConfirmedIdentity, Depends(current_identity)]
StaffDep = Annotated[StaffAccount, Depends(current_staff)]
