"""The per-client key the backend's rate limits use."""

from __future__ import annotations

import pytest

from bot.client_key import client_address


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("10.0.0.5", None, "", "10.0.0.5"),
        ("10.0.0.5", "1.2.3.4", "", "10.0.0.5"),  # nobody trusted: the header is ignored
        ("10.0.0.5", "1.2.3.4", "10.0.0.0/8", "1.2.3.4"),
        ("10.0.0.5", "6.6.6.6, 1.2.3.4", "10.0.0.0/8", "1.2.3.4"),  # left part is client-chosen
        ("10.0.0.5", "1.2.3.4, 10.0.0.9", "10.0.0.0/8", "1.2.3.4"),  # a chain of our proxies
        ("10.0.0.5", "junk", "10.0.0.0/8", "10.0.0.5"),
        ("9.9.9.9", "1.2.3.4", "10.0.0.0/8", "9.9.9.9"),  # not a trusted peer
        ("::1", "2001:db8::1", "::1, bogus", "2001:db8::1"),
    ],
)
def test_forwarded_for_counts_only_from_trusted_proxies(
    peer: str, forwarded: str | None, trusted: str, client: str
) -> None:
    assert client_address(peer, forwarded, trusted) == client
