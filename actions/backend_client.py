"""The only caller of the backend's resident-facing API (docs/backend-api.md).

Exceptions:

    BackendError
    ├── BackendRefused      a district rule said no: `code` (API) and public `extras`
    └── BackendUnavailable  unreachable, timed out, or answered 5xx/unexpected

Only idempotent calls are retried: GETs, and POSTs that carry an `Idempotency-Key` (orders,
bulk reservations), whose replay the backend answers with the first result.

Every call names the conversation it is made for (`X-Conversation-Id`) and, when the channel has
one, the client behind it (`X-Minwon-Client`, the message metadata's `client_key`): the backend
binds identity and business tokens to the conversation and limits requests per conversation and
per client. Both come from the action call being served: `bind_tracker()` (called by the action
server's request hook, `install_request_context()`, for every action call, and by actions that
want to be explicit) sets them for the running task; a method's `conversation_id` argument wins.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from actions.settings import ActionSettings, get_settings

logger = logging.getLogger(__name__)

_RETRY_STATUSES = frozenset({502, 503, 504})
_BACKOFF_S = (0.2, 0.6, 1.2)


class BackendError(Exception):
    """Base of the errors the backend client raises."""


class BackendRefused(BackendError):
    """Raised when the backend answers a problem with a `code` (4xx): a rule refused."""

    def __init__(self, code: str, status: int, extras: dict[str, Any] | None = None) -> None:
        super().__init__(f"backend refused: {code} ({status})")
        self.code = code
        self.status = status
        self.extras = extras or {}


class BackendUnavailable(BackendError):
    """Raised when the backend cannot be reached, times out, or fails (5xx, bad body)."""


_conversation: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "minwon_conversation", default=None
)
_client_key: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "minwon_client_key", default=None
)


def bind_conversation(conversation_id: str | None, client_key: str | None = None) -> None:
    """Name the conversation (and client) the calls of the running task are made for."""
    _conversation.set(conversation_id or None)
    _client_key.set(client_key or None)


def client_key_of(latest_message: Mapping[str, Any] | None) -> str | None:
    """The channel's `client_key` from a message's metadata (web chat, REST); None otherwise."""
    metadata = (latest_message or {}).get("metadata") or {}
    value = metadata.get("client_key") if isinstance(metadata, Mapping) else None
    return str(value)[:200] if isinstance(value, str | int) and str(value).strip() else None


def bind_tracker(tracker: Any) -> None:
    """Bind the calls of the running task to this tracker's conversation and client."""
    bind_conversation(
        getattr(tracker, "sender_id", None), client_key_of(getattr(tracker, "latest_message", None))
    )


def bound_conversation() -> str | None:
    return _conversation.get()


def _bind_action_call(body: bytes, content_encoding: str | None) -> None:
    """Bind from the raw body of an action call (`POST /webhook` from Rasa)."""
    try:
        raw = zlib.decompress(body) if content_encoding == "deflate" else body
        call = json.loads(raw)
        tracker = call.get("tracker") or {}
        bind_conversation(tracker.get("sender_id"), client_key_of(tracker.get("latest_message")))
    except (ValueError, TypeError, AttributeError, zlib.error):
        bind_conversation(None)  # rasa_sdk answers the malformed call itself


def install_request_context() -> bool:
    """Bind every action call the rasa_sdk server runs to its conversation and client.

    A Sanic request middleware runs in the same task as the webhook handler, so the context it
    sets is what every backend call of that action sees. Returns False outside the action server
    (tests call actions directly and bind with `bind_tracker`).
    """
    try:
        from sanic import Sanic

        app = Sanic.get_app("rasa_sdk")
    except Exception:  # no action server app in this process (or no Sanic at all)
        return False

    async def _bind(request: Any) -> None:
        if request.method == "POST" and request.path == "/webhook":
            _bind_action_call(request.body, request.headers.get("Content-Encoding"))

    app.register_middleware(_bind, "request")
    return True


def idempotency_key(conversation_id: str, message_id: str, purpose: str) -> str:
    """Return the key that makes one order per confirming message of one conversation.

    A webhook delivered twice carries the same message, so the key is the same and the backend
    answers the replay with the order it already made.
    """
    raw = f"{purpose}:{conversation_id}:{message_id}".encode()
    return hashlib.sha256(raw).hexdigest()[:40]


class BackendClient:
    """Typed wrapper over one `httpx.AsyncClient` with explicit timeouts."""

    def __init__(
        self,
        settings: ActionSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings or get_settings()
        timeout = httpx.Timeout(
            self._settings.read_timeout_s, connect=self._settings.connect_timeout_s
        )
        self._client = httpx.AsyncClient(
            base_url=self._settings.backend_url,
            timeout=timeout,
            transport=transport,
            headers={"Authorization": f"Bearer {self._settings.service_token}"},
        )

    async def aclose(self) -> None:
        """Close the underlying connection pool."""
        await self._client.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        attempts = 1 + (self._settings.retries if idempotent else 0)
        headers = {**_context_headers(), **(headers or {})}
        last_error = ""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(_BACKOFF_S[min(attempt - 1, len(_BACKOFF_S) - 1)])
            try:
                response = await self._client.request(
                    method, path, json=json, params=params, headers=headers
                )
            except httpx.TransportError as e:  # connect refused, timeout, reset
                last_error = type(e).__name__
                continue
            if response.status_code in _RETRY_STATUSES:
                last_error = f"status {response.status_code}"
                continue
            return self._parse(response)
        logger.warning(
            "backend_unavailable",
            extra={"path_template": _template(path), "attempts": attempts, "error": last_error},
        )
        raise BackendUnavailable(f"{method} {_template(path)}: {last_error}")

    @staticmethod
    def _parse(response: httpx.Response) -> Any:
        if response.status_code < 400:
            try:
                return response.json()
            except ValueError as e:
                raise BackendUnavailable("backend answered a body that is not JSON") from e
        if response.status_code >= 500:
            raise BackendUnavailable(f"backend error {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = str(body.get("code") or "invalid_request")
        public = {
            k: v
            for k, v in body.items()
            if k not in {"type", "title", "status", "code", "detail", "instance"}
        }
        logger.info("backend_refused", extra={"code": code, "status": response.status_code})
        raise BackendRefused(code, response.status_code, public)

    # --- district facts -----------------------------------------------------------------------

    async def get_district(self) -> dict[str, Any]:
        """Return the district facts (`GET /api/v1/district`)."""
        result: dict[str, Any] = await self._request("GET", "/api/v1/district", idempotent=True)
        return result

    async def quote_fee(self, *, document: str, method: str, copies: int) -> dict[str, Any]:
        """Return the fee quote for a document, a way of getting it and a number of copies."""
        result: dict[str, Any] = await self._request(
            "GET",
            "/api/v1/fees/quote",
            idempotent=True,
            params={"document": document, "method": method, "copies": copies},
        )
        return result

    # --- identity ------------------------------------------------------------------------------

    async def create_challenge(
        self, *, conversation_id: str, name: str, birth_date: str, phone: str
    ) -> dict[str, Any]:
        """Start an identity challenge; the backend texts a code to the registered phone.

        Not retried: a second attempt would send a second SMS and count against the rate limit.
        """
        result: dict[str, Any] = await self._request(
            "POST",
            "/api/v1/identity/challenges",
            idempotent=False,
            headers=_conversation_header(conversation_id),
            json={
                "conversation_id": conversation_id,
                "name": name,
                "birth_date": birth_date,
                "phone": phone,
            },
        )
        return result

    async def caller_check(
        self, *, conversation_id: str, birth_date: str, caller_claim: str
    ) -> dict[str, Any]:
        """Confirm a voice caller by the number the voice line signed and the birth date.

        Returns `identity_token`, `expires_at`, `may_order` (home delivery only) and `resident`.
        Not retried: each try counts against the identity limits.
        """
        result: dict[str, Any] = await self._request(
            "POST",
            "/api/v1/identity/caller-checks",
            idempotent=False,
            headers=_conversation_header(conversation_id),
            json={
                "conversation_id": conversation_id,
                "birth_date": birth_date,
                "caller_claim": caller_claim,
            },
        )
        return result

    async def verify_challenge(
        self, *, challenge_id: str, conversation_id: str, code: str
    ) -> dict[str, Any]:
        """Check the code; returns `identity_token`, `expires_at` and `resident`.

        Not retried: every attempt uses one of the challenge's tries.
        """
        result: dict[str, Any] = await self._request(
            "POST",
            f"/api/v1/identity/challenges/{challenge_id}/verify",
            idempotent=False,
            headers=_conversation_header(conversation_id),
            json={"conversation_id": conversation_id, "code": code},
        )
        return result

    async def get_me(
        self, *, identity_token: str, conversation_id: str | None = None
    ) -> dict[str, Any]:
        """Return the confirmed resident (masked address, delivery eligibility)."""
        result: dict[str, Any] = await self._request(
            "GET",
            "/api/v1/residents/me",
            idempotent=True,
            headers={"X-Identity-Token": identity_token, **_conversation_header(conversation_id)},
        )
        return result

    # --- orders --------------------------------------------------------------------------------

    async def create_order(
        self,
        *,
        identity_token: str,
        key: str,
        conversation_id: str,
        document: str,
        copies: int,
        method: str,
    ) -> dict[str, Any]:
        """Place an order; the same `key` always yields the same order."""
        result: dict[str, Any] = await self._request(
            "POST",
            "/api/v1/orders",
            idempotent=True,
            headers={
                "X-Identity-Token": identity_token,
                "Idempotency-Key": key,
                **_conversation_header(conversation_id),
            },
            json={
                "conversation_id": conversation_id,
                "document": document,
                "copies": copies,
                "method": method,
            },
        )
        return result

    async def get_order(
        self, *, order_id: str, conversation_id: str | None = None
    ) -> dict[str, Any]:
        """Return an order's public status (no personal data); limited per conversation and
        client (`lookup_rate_limited`)."""
        result: dict[str, Any] = await self._request(
            "GET",
            f"/api/v1/orders/{order_id}",
            idempotent=True,
            headers=_conversation_header(conversation_id),
        )
        return result

    async def list_orders(
        self, *, identity_token: str, limit: int = 1, conversation_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Return the confirmed resident's orders, newest first."""
        result = await self._request(
            "GET",
            "/api/v1/orders",
            idempotent=True,
            params={"limit": limit},
            headers={"X-Identity-Token": identity_token, **_conversation_header(conversation_id)},
        )
        if isinstance(result, dict):  # tolerate an envelope such as {"orders": [...]}
            result = result.get("orders") or result.get("items") or []
        return list(result)

    async def cancel_order(
        self, *, identity_token: str, order_id: str, conversation_id: str | None = None
    ) -> dict[str, Any]:
        """Cancel the resident's own order."""
        result: dict[str, Any] = await self._request(
            "POST",
            f"/api/v1/orders/{order_id}/cancel",
            idempotent=False,
            headers={"X-Identity-Token": identity_token, **_conversation_header(conversation_id)},
        )
        return result

    # --- bulk ----------------------------------------------------------------------------------

    async def create_business_challenge(
        self, *, conversation_id: str, business_number: str
    ) -> dict[str, Any]:
        """Text a code to the business's registered contact phone: `{challenge_id, expires_at,
        masked_phone}`. Not retried (a second SMS)."""
        result: dict[str, Any] = await self._request(
            "POST",
            "/api/v1/bulk/challenges",
            idempotent=False,
            headers=_conversation_header(conversation_id),
            json={"conversation_id": conversation_id, "business_number": business_number},
        )
        return result

    async def verify_business_challenge(
        self, *, challenge_id: str, conversation_id: str, code: str
    ) -> dict[str, Any]:
        """Check the business's code: `{business_token, expires_at, quota}`. Not retried."""
        result: dict[str, Any] = await self._request(
            "POST",
            f"/api/v1/bulk/challenges/{challenge_id}/verify",
            idempotent=False,
            headers=_conversation_header(conversation_id),
            json={"conversation_id": conversation_id, "code": code},
        )
        return result

    async def exchange_reservation_token(
        self, *, conversation_id: str, reservation_token: str
    ) -> dict[str, Any]:
        """Trade a staff-issued reservation token (once): `{business_token, expires_at, quota}`."""
        result: dict[str, Any] = await self._request(
            "POST",
            "/api/v1/bulk/tokens/exchange",
            idempotent=False,
            headers=_conversation_header(conversation_id),
            json={"conversation_id": conversation_id, "reservation_token": reservation_token},
        )
        return result

    async def get_bulk_quota(
        self, *, business_number: str, business_token: str, conversation_id: str | None = None
    ) -> dict[str, Any]:
        """Return a proven business's daily limit and what is left today."""
        result: dict[str, Any] = await self._request(
            "GET",
            f"/api/v1/bulk/businesses/{business_number}/quota",
            idempotent=True,
            headers={"X-Business-Token": business_token, **_conversation_header(conversation_id)},
        )
        return result

    async def reserve_bulk(
        self,
        *,
        key: str,
        conversation_id: str,
        business_number: str,
        document: str,
        count: int,
        business_token: str,
    ) -> dict[str, Any]:
        """Reserve a bulk issuance for today; the same `key` yields the same reservation."""
        result: dict[str, Any] = await self._request(
            "POST",
            "/api/v1/bulk/reservations",
            idempotent=True,
            headers={
                "Idempotency-Key": key,
                "X-Business-Token": business_token,
                **_conversation_header(conversation_id),
            },
            json={
                "conversation_id": conversation_id,
                "business_number": business_number,
                "document": document,
                "count": count,
            },
        )
        return result

    # --- handoff -------------------------------------------------------------------------------

    async def open_handoff_ticket(
        self, *, conversation_id: str, channel: str, sender_id: str, reason: str, summary: str
    ) -> dict[str, Any]:
        """Open a ticket for staff; not retried (a second ticket would confuse the queue)."""
        result: dict[str, Any] = await self._request(
            "POST",
            "/api/v1/handoff/tickets",
            idempotent=False,
            json={
                "conversation_id": conversation_id,
                "channel": channel,
                "sender_id": sender_id,
                "reason": reason,
                "summary": summary,
            },
        )
        return result


def _context_headers() -> dict[str, str]:
    """The bound conversation and client, as the backend reads them."""
    headers: dict[str, str] = {}
    conversation = _conversation.get()
    if conversation:
        headers["X-Conversation-Id"] = quote(conversation, safe="")
    client = _client_key.get()
    if client:
        headers["X-Minwon-Client"] = quote(client, safe="")
    return headers


def _conversation_header(conversation_id: str | None) -> dict[str, str]:
    """An explicit conversation (wins over the bound one); nothing when not given.

    Header values are percent-encoded (ids may hold any character); the backend decodes them.
    """
    return {"X-Conversation-Id": quote(conversation_id, safe="")} if conversation_id else {}


def _template(path: str) -> str:
    """Drop ids from a path so logs carry the route, not order or business numbers."""
    return "/".join("{id}" if any(c.isdigit() for c in part) else part for part in path.split("/"))


_current: list[tuple[asyncio.AbstractEventLoop, BackendClient]] = []


def get_client() -> BackendClient:
    """Return the client for the running event loop (a connection pool belongs to one loop)."""
    loop = asyncio.get_running_loop()
    if _current and _current[0][0] is loop:
        return _current[0][1]
    client = BackendClient()
    _current[:] = [(loop, client)]  # an earlier loop is gone: its pool cannot be used any more
    return client


def reset_client() -> None:
    """Forget the client (tests that point the settings at another backend)."""
    _current.clear()


install_request_context()
