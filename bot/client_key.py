"""Who is on the other end of a web-chat or REST request, for per-client rate limits.

The backend's rate limits read ``client_key`` from the latest message's metadata. It is the
socket peer's address, ``ip:<address>``; ``X-Forwarded-For`` counts only when the peer is one of
the proxies listed in ``MINWON_TRUSTED_PROXIES`` (comma-separated addresses or networks), and then
the right-most address that is not a trusted proxy is the client (the left part is client-chosen).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_proxies(setting: str) -> tuple[Network, ...]:
    """Parse a ``MINWON_TRUSTED_PROXIES`` value; unreadable entries are logged and skipped."""
    networks: list[Network] = []
    for entry in (e.strip() for e in setting.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            logger.error("trusted_proxy_unreadable", extra={"entry": entry[:64]})
    return tuple(networks)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in proxies)


def client_address(peer: str, forwarded_for: str | None, setting: str) -> str:
    """Return the client's address given the socket ``peer`` and its ``X-Forwarded-For``."""
    proxies = trusted_proxies(setting)
    if not forwarded_for or not _is_trusted(peer, proxies):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        candidate = hop.strip()
        if _address(candidate) is None:
            return peer  # a garbled chain is not evidence of anything
        if not _is_trusted(candidate, proxies):
            return str(_address(candidate))
    return peer


def client_key(request: Any) -> str:
    """Return ``ip:<client address>`` for a Sanic request."""
    peer = str(getattr(request, "ip", "") or "unknown")
    forwarded = request.headers.get("X-Forwarded-For")
    return "ip:" + client_address(peer, forwarded, os.environ.get("MINWON_TRUSTED_PROXIES", ""))
