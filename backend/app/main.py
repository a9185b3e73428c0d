"""The FastAPI application: startup (migrate, seed), routers, problems, metrics."""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from app.api.problems import install_problem_handlers
from app.api.routes import bulk, dev, district, handoff, health, identity, orders, staff
from app.clock import Clock, system_clock
from app.console import install_console
from app.log_config import configure_logging
from app.metrics import HTTP_LATENCY, HTTP_REQUESTS
from app.migrate import upgrade_to_head
from app.runtime import Runtime, build_runtime
from app.seed import seed_all
from app.settings import Settings

DESCRIPTION = """Issuance and dispatch backend for Seoul Jung-gu's civil-service assistant.
Errors are `application/problem+json` with a machine `code`. Resident-facing endpoints need
`Authorization: Bearer <service token>`; staff endpoints need a staff login token."""


def prepare_database(runtime: Runtime) -> None:
    """Migrate to head and seed what the profile needs (idempotent)."""
    upgrade_to_head(runtime.engine)
    settings = runtime.settings
    with runtime.sessions() as session:
        seed_all(
            session,
            settings.district_dir,
            runtime.district,
            include_load_residents=settings.seeds_load_residents,
            include_dev_staff=settings.seeds_dev_staff,
        )


def create_app(
    settings: Settings | None = None, clock: Clock = system_clock, configure_logs: bool = True
) -> FastAPI:
    settings = settings or Settings()
    settings.check_secrets()
    if configure_logs:
        configure_logging(settings.log_level, settings.log_file)
    runtime = build_runtime(settings, clock)
    prepare_database(runtime)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        runtime.sms.close()
        runtime.engine.dispose()

    app = FastAPI(
        title="minwon backend", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    for module in (health, district, identity, orders, bulk, handoff, staff):
        app.include_router(module.router)
    if settings.exposes_sms_outbox:
        app.include_router(dev.router)
    install_console(app)

    @app.middleware("http")
    async def _metrics(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        HTTP_LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        return response

    return app


def app_factory() -> FastAPI:
    """For `uvicorn --factory app.main:app_factory`."""
    return create_app()


@functools.cache
def _default_app() -> FastAPI:
    return create_app()


def __getattr__(name: str) -> FastAPI:
    # `uvicorn app.main:app` works without building the app at import time in tests.
    if name == "app":
        return _default_app()
    raise AttributeError(name)
