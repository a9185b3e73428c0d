"""The backend client: problems become typed errors; only idempotent calls are retried."""

from __future__ import annotations

import json
import zlib
from urllib.parse import unquote

import httpx
import pytest

from actions.backend_client import (
    BackendClient,
    BackendRefused,
    BackendUnavailable,
    _bind_action_call,
    bind_conversation,
    bind_tracker,
    bound_conversation,
    get_client,
    idempotency_key,
    install_request_context,
)
from actions.settings import ActionSettings, get_settings
from tests.actions.trackers import latest_code, plain_turn


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
        await client.verify_challenge(challenge_id="nope", conversation_id="c", code="123456")
    assert refused.value.code == "challenge_not_found"
    assert "title" not in refused.value.extras


async def test_nothing_listening_is_unavailable(backend_down: str) -> None:
    with pytest.raises(BackendUnavailable):
        await get_client().get_district()
    assert get_settings().backend_url == backend_down


def test_the_key_depends_on_conversation_and_message_only() -> None:
    assert idempotency_key("c1", "m1", "order") == idempotency_key("c1", "m1", "order")
    assert idempotency_key("c1", "m1", "order") != idempotency_key("c1", "m2", "order")
    assert idempotency_key("c1", "m1", "order") != idempotency_key("c2", "m1", "order")


# --- conversation and client on every call (issue 9) -------------------------------------------


def recording_transport(calls: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={})

    return httpx.MockTransport(handler)


async def test_every_call_names_the_bound_conversation_and_client() -> None:
    calls: list[httpx.Request] = []
    client = BackendClient(settings(), transport=recording_transport(calls))
    tracker = plain_turn("check_status")
    tracker.sender_id = "web:한글-id"
    tracker.latest_message["metadata"] = {"client_key": "browser-7"}
    bind_tracker(tracker)
    await client.get_me(identity_token="t")
    await client.list_orders(identity_token="t")
    await client.cancel_order(identity_token="t", order_id="12345678")
    await client.get_order(order_id="12345678")
    for request in calls:
        assert unquote(request.headers["X-Conversation-Id"]) == "web:한글-id"
        assert request.headers["X-Minwon-Client"] == "browser-7"
    # An explicit conversation wins; a channel without client key sends none.
    bind_conversation("telegram:1")
    await client.get_order(order_id="12345678", conversation_id="kakao:2")
    assert calls[-1].headers["X-Conversation-Id"] == "kakao%3A2"
    assert "X-Minwon-Client" not in calls[-1].headers


def test_the_action_call_body_binds_its_conversation() -> None:
    call = {
        "next_action": "x",
        "tracker": {"sender_id": "kakao:abc", "latest_message": {"metadata": {}}},
    }
    _bind_action_call(zlib.compress(json.dumps(call).encode()), "deflate")
    assert bound_conversation() == "kakao:abc"
    _bind_action_call(b"not json", None)
    assert bound_conversation() is None


async def test_the_action_server_binds_each_action_call_to_its_conversation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rasa_sdk app's webhook, driven over ASGI: the action sees its call's conversation."""
    from rasa_sdk.endpoint import create_app
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)  # apps named "rasa_sdk" may exist already
    app = create_app("tests.actions.hook_probe")
    assert install_request_context() is True
    app.asgi = True
    await app._startup()  # what the ASGI lifespan would do

    def call(sender: str, metadata: dict[str, str]) -> dict[str, object]:
        return {
            "next_action": "action_probe_bound_conversation",
            "version": "3.6.2",
            "domain": {},
            "tracker": {
                "sender_id": sender,
                "slots": {},
                "latest_message": {"metadata": metadata},
                "events": [],
                "paused": False,
                "followup_action": None,
                "active_loop": {},
                "latest_action_name": None,
            },
        }

    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://actions") as http:
        web = await http.post("/webhook", json=call("web:s1", {"client_key": "browser-1"}))
        body = zlib.compress(json.dumps(call("telegram:77", {})).encode())
        telegram = await http.post(
            "/webhook", content=body, headers={"Content-Encoding": "deflate"}
        )
    assert web.json()["responses"][0]["custom"] == {
        "X-Conversation-Id": "web%3As1",
        "X-Minwon-Client": "browser-1",
    }
    assert telegram.json()["responses"][0]["custom"] == {"X-Conversation-Id": "telegram%3A77"}


async def test_a_token_used_from_another_conversation_is_refused(backend: str) -> None:
    client = get_client()
    started = await client.create_challenge(
        conversation_id="telegram:binding",
        name="이민준",
        birth_date="1990-07-15",
        phone="01023456789",
    )
    code = latest_code(backend, "01023456789")
    verified = await client.verify_challenge(
        challenge_id=started["challenge_id"], conversation_id="telegram:binding", code=code
    )
    token = verified["identity_token"]
    assert (await client.get_me(identity_token=token, conversation_id="telegram:binding"))
    for call in (
        client.get_me(identity_token=token, conversation_id="web:binding"),
        client.list_orders(identity_token=token, conversation_id="web:binding"),
        client.cancel_order(identity_token=token, order_id="12345678", conversation_id="web:x"),
    ):
        with pytest.raises(BackendRefused) as refused:
            await call
        assert refused.value.code == "identity_invalid"


async def test_a_bulk_reservation_without_proof_is_refused_by_the_backend(backend: str) -> None:
    with pytest.raises(BackendRefused) as refused:
        await get_client().reserve_bulk(
            key="k",
            conversation_id="web:bulk",
            business_number="1234567890",
            document="resident_copy",
            count=1,
            business_token="guess",
        )
    assert refused.value.code == "business_proof_required"
    assert refused.value.status == 401
