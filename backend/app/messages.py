"""The backend's Korean text (SMS, place labels, staff console labels), keyed by id.

Placeholders are named; `render()` fills them. Polite 해요체, short, never blaming the resident.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "sms_otp": "[중구청 민원] 인증번호는 {code}이에요. 3분 안에 입력해 주세요.",
    "sms_business_otp": (
        "[중구청 민원] 대량 발급 예약 인증번호는 {code}이에요. 3분 안에 입력해 주세요."
    ),
    # Sent after an order placed by phone: a caller cannot write down what they heard. No
    # particle after the number (이에요/예요 would depend on how its last digit is read).
    "sms_voice_order": (
        "[중구청 민원] 전화로 하신 신청을 접수했어요. 신청번호: {order_number} "
        "(조회하거나 취소하실 때 필요해요)"
    ),
    "pickup_counter": "{dong} 주민센터",
    "pickup_kiosk": "가까운 무인민원 발급 ZONE (24시간)",
    "pickup_bulk": "{office} 대량 발급 전담창구",
    "staff_role_counter": "민원 창구",
    "staff_role_dong_courier": "동 배달 담당",
    "staff_role_supervisor": "관리자",
}


def render(message_id: str, **values: object) -> str:
    """Return the message with its placeholders filled.

    Raises:
        KeyError: unknown message id or a missing placeholder.
    """
    return MESSAGES[message_id].format(**values)
