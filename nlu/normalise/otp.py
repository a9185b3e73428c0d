"""SMS verification codes: 6 digits ("일이삼 사오육", "1 2 3 4 5 6" -> "123456")."""

from __future__ import annotations

from nlu.normalise.digit_runs import digits_in

OTP_LENGTH = 6


def parse_otp(text: str) -> str | None:
    """The 6-digit code in `text` ("인증번호는 482913이에요" -> "482913"), or None."""
    return digits_in(text, (OTP_LENGTH,))
