"""Health, metrics, OpenAPI, district facts and the dev-only outbox."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import SERVICE


def test_health_checks_the_database(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "database": "ok"}


def test_metrics_count_requests_and_orders(client: TestClient) -> None:
    client.get("/health")
    text = client.get("/metrics").text
    assert "minwon_http_requests_total" in text
    assert 'route="/health"' in text


def test_openapi_documents_the_after_hours_deadline_rule(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    description = spec["paths"]["/api/v1/orders"]["post"]["description"]
    assert "next window opens" in description
    assert "carries over" in description


def test_district_facts_come_from_the_data_file(client: TestClient) -> None:
    facts = client.get("/api/v1/district", headers=SERVICE).json()
    assert len(facts["dongs"]) == 15
    assert facts["fees_krw"]["seal_certificate"] == {"counter": 600, "kiosk": 600}
    assert facts["bulk"] == {
        "standard_daily_limit": 20,
        "mou_daily_limit": 100,
        "documents": ["resident_abstract", "resident_copy"],
    }
    assert facts["home_delivery"]["deliver_within_hours"] == 3
    assert {"id": "resident_copy", "name_ko": "주민등록표 등본"} in facts["documents"]
    assert facts["hours"]["counter"] == {"weekdays": "09:00-18:00", "lunch": "12:00-13:00"}


def test_sms_outbox_exists_only_in_the_dev_profile(db_url: str) -> None:
    settings = Settings(
        database_url=db_url,
        profile="bench",  # type: ignore[arg-type]
        service_token="bench-token-0123456789-0123456789-01",
        secret_key="bench-secret-0123456789-0123456789-0",
    )
    app = create_app(settings, configure_logs=False)
    client = TestClient(app)
    assert client.get("/dev/sms-outbox", params={"phone": "01012345678"}).status_code == 404
    # The bench profile seeds the load residents but no staff accounts.
    login = client.post(
        "/api/v1/staff/login", json={"username": "counter1", "password": "counter-dev-pass"}
    )
    assert login.status_code == 401
    app.state.runtime.engine.dispose()
