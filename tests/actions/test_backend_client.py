"""The backend client: problems become typed errors; only idempotent calls are retried."""

from __future__ import annotations

import httpx
import pytest

from actions.backend_client import (
    BackendClient,
    BackendRefused,
    BackendUnavailable,
    get_client,
    idempotency_key,
)
from actions.settings import ActionSettings, get_settings


def settings(url: str = "http://backend.test", retries: int = 2) -> ActionSettings:
    base = ActionSettings.from_env()
    return ActionSettings(url, "dev-service-token", 0.5, 0.5, retries, base.district_file, 1.0)


def counting_transport(status: int, calls: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(status, json={"code": "x"})

    return httpx.MockTransport(handler)


async def test_a_get_is_retried_when_the_backend_is_overloaded() -> None:
    calls: list[httpx.Request] = []
    client = BackendClient(settings(), transport=counting_transport(503, calls))
    with pytest.raises(BackendUnavailable):
        await client.get_order(order_id="12345678")
    assert len(calls) == 3


async def test_a_post_without_idempotency_key_is_never_retried() -> None:
    calls: list[httpx.Request] = []
    client = BackendClient(settings(), transport=counting_transport(503, calls))
    with pytest.raises(BackendUnavailable):
        await client.create_challenge(
            conversation_id="c", name="n", birth_date="1950-03-02", phone="01012345678"
        )
    assert len(calls) == 1


async def test_an_order_post_is_retried_with_the_same_key() -> None:
    calls: list[httpx.Request] = []
    client = BackendClient(settings(), transport=counting_transport(502, calls))
    with pytest.raises(BackendUnavailable):
        await client.create_order(
            identity_token="t",
            key="k1",
            conversation_id="c",
            document="resident_copy",
            copies=1,
            method="kiosk",
        )
    assert len(calls) == 3
    assert {r.headers["Idempotency-Key"] for r in calls} == {"k1"}


async def test_every_call_carries_the_service_token() -> None:
    calls: list[httpx.Request] = []
    client = BackendClient(settings(), transport=counting_transport(200, calls))
    await client.get_district()
    assert calls[0].headers["Authorization"] == "Bearer dev-service-token"


async def test_a_refusal_carries_its_code_and_public_extras(backend: str) -> None:
    client = get_client()
    with pytest.raises(BackendRefused) as refused:
        await client.get_bulk_quota(business_number="1111111111")
    assert refused.value.code == "business_unknown"
    assert "title" not in refused.value.extras


async def test_nothing_listening_is_unavailable(backend_down: str) -> None:
    with pytest.raises(BackendUnavailable):
        await get_client().get_district()
    assert get_settings().backend_url == backend_down


def test_the_key_depends_on_conversation_and_message_only() -> None:
    assert idempotency_key("c1", "m1", "order") == idempotency_key("c1", "m1", "order")
    assert idempotency_key("c1", "m1", "order") != idempotency_key("c1", "m2", "order")
    assert idempotency_key("c1", "m1", "order") != idempotency_key("c2", "m1", "order")
