"""Prometheus metrics, served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "minwon_http_requests_total",
    "HTTP requests by route template, method and status",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "minwon_http_request_duration_seconds",
    "HTTP request duration by route template",
    ["route", "method"],
)
ORDERS_CREATED = Counter("minwon_orders_created_total", "Orders created", ["method"])
BULK_RESERVATIONS = Counter(
    "minwon_bulk_reservations_total", "Bulk reservations by outcome", ["outcome"]
)
PROBLEMS = Counter("minwon_problems_total", "Problem answers by code", ["code"])
SMS_SENT = Counter("minwon_sms_total", "SMS handed to the gateway", ["gateway", "outcome"])
