"""Order (application) numbers: 8 digits ("2048-1937", "이공사팔 일구삼칠" -> "20481937")."""

from __future__ import annotations

from nlu.normalise.digit_runs import digits_in

ORDER_ID_LENGTH = 8  # docs/backend-api.md: order_id is 8 digits


def parse_order_id(text: str) -> str | None:
    """The 8-digit order number in `text`, or None."""
    return digits_in(text, (ORDER_ID_LENGTH,))
