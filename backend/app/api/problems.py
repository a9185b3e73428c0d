"""The one place that turns errors into `application/problem+json` answers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import DomainError
from app.metrics import PROBLEMS

logger = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://minwon.example/problems/"
_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    401: "unauthorized",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def problem(status: int, code: str, title: str, detail: str, **extras: Any) -> JSONResponse:
    PROBLEMS.labels(code=code).inc()
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        **extras,
    }
    headers = {"Retry-After": str(extras["retry_after_s"])} if "retry_after_s" in extras else None
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)  # noqa: S101 - registered for DomainError only
    return problem(exc.status, exc.code, exc.title, str(exc), **exc.extras())


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    # Never echo the input back: it may hold a name, a phone or a birth date.
    errors = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "type": err.get("type", ""),
            "msg": err.get("msg", ""),
        }
        for err in exc.errors()
    ]
    if any(err["type"] == "json_invalid" for err in errors):
        return problem(
            400, "invalid_request", "Malformed JSON", "the body is not valid JSON", errors=errors
        )
    return problem(
        422,
        "invalid_request",
        "Invalid request",
        "the request does not match the API",
        errors=errors,
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    code = _HTTP_CODES.get(exc.status_code, "invalid_request" if exc.status_code < 500 else "error")
    return problem(exc.status_code, code, str(exc.detail), str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled_error", exc_info=exc, extra={"path": request.url.path})
    return problem(500, "internal_error", "Internal error", "something went wrong on our side")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
