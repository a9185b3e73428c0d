"""Bad input gets a 4xx problem+json answer, never a 5xx (tables and generated requests)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import KIM, SERVICE, ConfirmFn

ORDER_OK = {
    "conversation_id": "conv-1",
    "document": "resident_copy",
    "copies": 1,
    "method": "kiosk",
}


def assert_problem(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["code"] == code
    assert {"type", "title", "status", "detail"} <= set(body)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"document": "driver_licence"}, 422, "unknown_document"),
        ({"copies": 0}, 422, "copies_out_of_range"),
        ({"copies": 1000}, 422, "copies_out_of_range"),
        ({"copies": -3}, 422, "copies_out_of_range"),
        ({"copies": 10**40}, 422, "copies_out_of_range"),
        ({"copies": "two"}, 422, "invalid_request"),
        ({"method": "fax"}, 422, "invalid_request"),
        ({"conversation_id": ""}, 422, "invalid_request"),
        ({"document": "resident\u0000copy"}, 422, "invalid_request"),
    ],
)
def test_bad_order_fields(
    client: TestClient, confirm: ConfirmFn, change: dict[str, Any], status: int, code: str
) -> None:
    answer = client.post(
        "/api/v1/orders",
        headers={**confirm(KIM), "Idempotency-Key": "k"},
        json={**ORDER_OK, **change},
    )
    assert_problem(answer, status, code)


@pytest.mark.parametrize(
    "body", [b"{not json", b"", b"[]", b"null", b'"text"', b'{"copies": 1', b"\xff\xfe"]
)
def test_malformed_json_is_a_4xx(client: TestClient, confirm: ConfirmFn, body: bytes) -> None:
    answer = client.post(
        "/api/v1/orders",
        content=body,
        headers={**confirm(KIM), "Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert 400 <= answer.status_code < 500
    assert answer.json()["code"] == "invalid_request"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "dev-service-token"},
        {"Authorization": "Basic ZGV2OmRldg=="},
    ],
)
def test_missing_or_wrong_service_token(client: TestClient, headers: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/api/v1/district"),
        ("POST", "/api/v1/orders"),
        ("GET", "/api/v1/bulk/businesses/1234567890/quota"),
        ("POST", "/api/v1/identity/challenges"),
    ]:
        answer = client.request(method, path, headers=headers, json={})
        assert_problem(answer, 401, "unauthorized")


def test_wrong_identity_token(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/orders",
        headers={**SERVICE, "X-Identity-Token": "forged", "Idempotency-Key": "k"},
        json=ORDER_OK,
    )
    assert_problem(answer, 401, "identity_invalid")


@pytest.mark.parametrize("phone", ["0101234", "+821012345678", "010-1234-5678", "01O12345678"])
def test_bad_phone_in_a_challenge(client: TestClient, phone: str) -> None:
    answer = client.post(
        "/api/v1/identity/challenges",
        headers=SERVICE,
        json={"conversation_id": "c", "name": "김영희", "birth_date": "1950-03-02", "phone": phone},
    )
    assert_problem(answer, 422, "invalid_request")


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing", headers=SERVICE), 404, "not_found")
    assert_problem(client.delete("/api/v1/district", headers=SERVICE), 405, "method_not_allowed")


def test_validation_errors_do_not_echo_personal_data(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/identity/challenges",
        headers=SERVICE,
        json={
            "conversation_id": "c",
            "name": "김영희",
            "birth_date": "1950-02-31",
            "phone": "01012345678",
        },
    )
    assert answer.status_code == 422
    assert "1950-02-31" not in answer.text
    assert "김영희" not in answer.text


# Generated requests -------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=False)
    | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12,
)
_field_values = st.one_of(
    _json,
    st.sampled_from(
        [
            "resident_copy",
            "seal_certificate",
            "kiosk",
            "delivery",
            "online",
            "1950-03-02",
            "01012345678",
            "1234567890",
            "9876543210",
            "신당동",
            0,
            1,
            10,
            11,
            100,
            -1,
        ]
    ),
)
_bodies = st.one_of(
    _json,
    st.fixed_dictionaries(
        {},
        optional={
            key: _field_values
            for key in (
                "conversation_id",
                "document",
                "copies",
                "method",
                "name",
                "birth_date",
                "phone",
                "code",
                "business_number",
                "count",
                "channel",
                "sender_id",
                "reason",
                "summary",
                "status",
                "id_checked",
                "welfare_note",
                "welfare_alert",
                "username",
                "password",
            )
        },
    ),
)
_path_part = st.one_of(_text, st.sampled_from(["12345678", "99999999", "1234567890", "x" * 300]))
ENDPOINTS = [
    ("POST", "/api/v1/identity/challenges"),
    ("POST", "/api/v1/identity/challenges/{p}/verify"),
    ("GET", "/api/v1/residents/me"),
    ("POST", "/api/v1/orders"),
    ("GET", "/api/v1/orders"),
    ("GET", "/api/v1/orders/{p}"),
    ("POST", "/api/v1/orders/{p}/cancel"),
    ("GET", "/api/v1/fees/quote"),
    ("GET", "/api/v1/bulk/businesses/{p}/quota"),
    ("POST", "/api/v1/bulk/reservations"),
    ("POST", "/api/v1/handoff/tickets"),
    ("POST", "/api/v1/staff/login"),
    ("GET", "/api/v1/staff/deliveries"),
    ("POST", "/api/v1/staff/deliveries/{p}/status"),
    ("POST", "/api/v1/staff/tickets/{p}/take"),
    ("POST", "/api/v1/staff/orders/{p}/status"),
    ("GET", "/dev/sms-outbox"),
]
_header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


def test_generated_malformed_requests_never_get_a_5xx(
    client: TestClient, confirm: ConfirmFn
) -> None:
    identity = confirm(KIM)
    staff_token = client.post(
        "/api/v1/staff/login", json={"username": "supervisor1", "password": "supervisor-dev-pass"}
    ).json()["token"]
    seen_statuses: set[int] = set()

    @settings(
        max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(
        endpoint=st.sampled_from(ENDPOINTS),
        path_part=_path_part,
        body=_bodies,
        raw=st.one_of(st.none(), st.binary(max_size=40)),
        query=st.dictionaries(
            st.sampled_from(
                [
                    "phone",
                    "document",
                    "method",
                    "copies",
                    "limit",
                    "dong",
                    "conversation_id",
                    "status",
                ]
            ),
            _text,
            max_size=3,
        ),
        auth=st.sampled_from(["service", "identity", "staff", "none", "garbage"]),
        key=st.one_of(st.none(), _header_text),
    )
    def send(
        endpoint: tuple[str, str],
        path_part: str,
        body: Any,
        raw: bytes | None,
        query: dict[str, str],
        auth: str,
        key: str | None,
    ) -> None:
        method, template = endpoint
        path = template.replace("{p}", quote(path_part, safe="") or "x")
        headers = {
            "service": SERVICE,
            "identity": identity,
            "none": {},
            "staff": {"Authorization": f"Bearer {staff_token}"},
            "garbage": {"Authorization": "Bearer \x7f", "X-Identity-Token": "?"},
        }[auth]
        headers = dict(headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        content = raw if raw is not None else json.dumps(body).encode()
        answer = client.request(
            method,
            path,
            params=query,
            content=content,
            headers={**headers, "Content-Type": "application/json"},
        )
        seen_statuses.add(answer.status_code)
        assert answer.status_code < 500, (method, path, answer.text)
        if answer.status_code >= 400:
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert "code" in answer.json()

    send()
    assert any(400 <= s < 500 for s in seen_statuses)
