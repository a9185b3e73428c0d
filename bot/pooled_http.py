"""Rasa's calls to the action server reuse pooled keep-alive connections.

Rasa 3.6's ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` for every call, so
every action a turn runs pays for a session, a connector and a TCP connection (and the action
server for accepting it): 11 % of the Rasa process's CPU under load in the issue 11 profile.
Here ``EndpointConfig.session`` lends one session per event loop and endpoint settings instead;
``request`` itself is untouched, so headers, parameters, errors and timeouts stay Rasa's.

The pool closes an idle connection after ``KEEPALIVE_S``, before the action server (Sanic, 5 s)
or the balancer (HAProxy, 10 s) would: a connection the server is closing at the moment a request
goes out is the one case keep-alive could turn into a failed action, and it cannot happen when
the client always gives up first. A connection whose server went away (a restarted action server)
is dropped by aiohttp when it sees the close, and the next call opens a new one.

The pooled sessions write request bodies with ujson (a dependency of Rasa's already): every
action call sends the whole tracker, and ``json.dumps`` of it was 5 % of the Rasa process's CPU
under load. A body ujson refuses (a type it does not know) is written by ``json.dumps`` as
before.

``MINWON_HTTP_POOL=off`` restores Rasa's session per call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any

import aiohttp
import ujson
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

POOL_ENV = "MINWON_HTTP_POOL"
KEEPALIVE_S = 2.0
logger = logging.getLogger(__name__)

_RASA_SESSION = EndpointConfig.session
_SessionKey = tuple[int, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
# The loop is kept with its session: a closed loop's id can be reused by a new loop (tests that
# call asyncio.run repeatedly), whose calls must not get a session bound to the dead one.
_sessions: dict[_SessionKey, tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = {}


def json_dumps(value: Any) -> str:
    """The JSON ``json.dumps`` writes for the same value (same escapes), in about half the time."""
    try:
        return ujson.dumps(value, escape_forward_slashes=False)  # type: ignore[no-any-return]
    except (TypeError, ValueError, OverflowError):
        return json.dumps(value)


class _Lent:
    """What ``async with endpoint.session()`` gets: the pooled session, left open on exit."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        return None


def _key(endpoint: EndpointConfig, loop: asyncio.AbstractEventLoop) -> _SessionKey:
    def items(d: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((str(k), str(v)) for k, v in (d or {}).items()))

    return id(loop), items(endpoint.headers), items(endpoint.basic_auth)


def pooled_session(endpoint: EndpointConfig) -> _Lent:
    """The session of this event loop for the endpoint's headers and credentials."""
    loop = asyncio.get_running_loop()
    key = _key(endpoint, loop)
    loop_and_session = _sessions.get(key)
    session = loop_and_session[1] if loop_and_session and loop_and_session[0] is loop else None
    if session is None or session.closed:
        auth = None
        if endpoint.basic_auth:
            auth = aiohttp.BasicAuth(endpoint.basic_auth["username"],
                                     endpoint.basic_auth["password"])
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S),
            json_serialize=json_dumps,
        )
        _sessions[key] = (loop, session)
    return _Lent(session)


async def close_pooled() -> None:
    """Closes every pooled session at server stop (no unclosed-session noise in the log).

    Turns run on a loop of their own (``bot/turn_runner.py``), so a session may belong to
    another loop than the one stopping the server; that loop closes it, within a few seconds.
    """
    loop = asyncio.get_running_loop()
    for key in list(_sessions):
        owner, session = _sessions.pop(key)
        if owner is loop:
            await session.close()
        elif owner.is_running():
            closing = asyncio.run_coroutine_threadsafe(session.close(), owner)
            try:
                await asyncio.wait_for(asyncio.wrap_future(closing), timeout=3.0)
            except (asyncio.TimeoutError, RuntimeError):
                logger.debug("A pooled HTTP session was not closed at stop.")


def _closing_pool_first(
    close_resources: Callable[..., Awaitable[None]],
) -> Callable[..., Awaitable[None]]:
    async def close(*args: Any, **kwargs: Any) -> None:
        await close_pooled()
        await close_resources(*args, **kwargs)

    return close


def install(env: Mapping[str, str] = os.environ) -> bool:
    """Lends pooled sessions unless ``MINWON_HTTP_POOL=off``; returns whether the pool is on."""
    if (env.get(POOL_ENV) or "on").strip().lower() == "off":
        EndpointConfig.session = _RASA_SESSION  # type: ignore[method-assign]
        logger.info("Rasa opens an HTTP session per endpoint call (%s=off).", POOL_ENV)
        return False
    EndpointConfig.session = pooled_session  # type: ignore[assignment,method-assign]
    import rasa.core.run

    if not getattr(rasa.core.run.close_resources, "closes_pool", False):
        close = _closing_pool_first(rasa.core.run.close_resources)
        close.closes_pool = True  # type: ignore[attr-defined]
        rasa.core.run.close_resources = close  # type: ignore[assignment]
    return True


__all__ = ["KEEPALIVE_S", "POOL_ENV", "close_pooled", "install", "pooled_session"]
