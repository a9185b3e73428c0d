"""What the process builds once at startup and every request shares."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.adapters.registry import Registry, SqlRegistry
from app.adapters.sms import HttpSmsGateway, OutboxGateway, SmsGateway
from app.clock import Clock, system_clock
from app.db import make_engine, make_session_factory
from app.district import DistrictFacts, load_district
from app.services.identity import IdentityPolicy
from app.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    district: DistrictFacts
    engine: Engine
    sessions: sessionmaker[Session]
    sms: SmsGateway
    registry: Registry
    identity_policy: IdentityPolicy
    clock: Clock = field(default=system_clock)


def build_sms_gateway(settings: Settings, sessions: sessionmaker[Session]) -> SmsGateway:
    if settings.sms_gateway == "http":
        if not settings.sms_http_url or settings.sms_http_key is None:
            raise ValueError(
                "the http SMS gateway needs MINWON_SMS_HTTP_URL and MINWON_SMS_HTTP_KEY"
            )
        client = httpx.Client(timeout=settings.sms_http_timeout_s)
        return HttpSmsGateway(
            settings.sms_http_url,
            settings.sms_http_key.get_secret_value(),
            settings.sms_http_sender,
            client,
        )
    return OutboxGateway(sessions)


def build_runtime(settings: Settings, clock: Clock = system_clock) -> Runtime:
    district = load_district(
        settings.district_dir / settings.district_file, settings.operations_file
    )
    engine = make_engine(settings.resolved_database_url)
    policy = IdentityPolicy(
        secret=settings.secret_key.get_secret_value(),
        otp_ttl_s=settings.otp_ttl_s,
        max_tries=settings.otp_max_tries,
        sms_rate_limit_count=settings.sms_rate_limit_count,
        sms_rate_limit_window_s=settings.sms_rate_limit_window_s,
        token_ttl_s=settings.identity_token_ttl_s,
        conversation_limit_count=settings.challenge_conversation_limit_count,
        client_limit_count=settings.challenge_client_limit_count,
        limit_window_s=settings.challenge_limit_window_s,
        global_limit_count=settings.challenge_global_limit_count,
        global_window_s=settings.challenge_global_window_s,
        daily_lock_count=settings.challenge_daily_lock_count,
    )
    sessions = make_session_factory(engine)
    sms = build_sms_gateway(settings, sessions)
    return Runtime(settings, district, engine, sessions, sms, SqlRegistry(), policy, clock)
