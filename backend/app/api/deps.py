"""Per-request dependencies: the store, the clock, the caller's credentials."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Header, Query, Request

from app.district import DistrictFacts
from app.errors import IdentityRequired, InvalidRequest, Unauthorized
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


# Header values arrive percent-encoded from the action server (conversation ids may hold any
# character); a plain ASCII id without `%` reads the same either way.


def channel_client(
    x_minwon_client: Annotated[str | None, Header(max_length=200)] = None,
) -> str | None:
    """The client behind a conversation (the web chat's or REST's `client_key`), if any."""
    value = unquote(x_minwon_client or "").strip()
    return value or None


def request_conversation(
    x_conversation_id: Annotated[str | None, Header(max_length=200)] = None,
    conversation_id: Annotated[str | None, Query(max_length=200)] = None,
) -> str:
    """The conversation a resident-facing call is made for (header or query).

    Raises:
        InvalidRequest: none given.
    """
    value = (conversation_id or unquote(x_conversation_id or "")).strip()
    if not value:
        raise InvalidRequest("X-Conversation-Id header (or ?conversation_id=) is required")
    return value


def current_identity(
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
    x_identity_token: Annotated[str | None, Header()] = None,
    x_conversation_id: Annotated[str | None, Header(max_length=200)] = None,
    conversation_id: Annotated[str | None, Query(max_length=200)] = None,
) -> ConfirmedIdentity:
    """The resident behind `X-Identity-Token`, checked against the calling conversation.

    Every route that uses the token also requires its conversation to be named (header, query,
    or for order creation and cancel the body): `ConfirmedIdentity.check_bound`.

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
        conversation_id=named_conversation(x_conversation_id, conversation_id),
        now=now,
    )


def named_conversation(
    x_conversation_id: Annotated[str | None, Header(max_length=200)] = None,
    conversation_id: Annotated[str | None, Query(max_length=200)] = None,
) -> str | None:
    """The conversation named by header or query, if any."""
    return (conversation_id or unquote(x_conversation_id or "")).strip() or None


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
ClientDep = Annotated[str | None, Depends(channel_client)]
ConversationDep = Annotated[str, Depends(request_conversation)]
NamedConversationDep = Annotated[str | None, Depends(named_conversation)]
IdentityDep = Annotated[ConfirmedIdentity, Depends(current_identity)]
StaffDep = Annotated[StaffAccount, Depends(current_staff)]
