"""Identity values as residents type them on KakaoTalk and as a caller's speech is transcribed.

Written for issue 10 without sight of any evaluation text: typos, missing or extra spaces, digits
in odd groups and with odd separators, spoken digits, dialect endings after numbers and names,
and - as often - numbers and words that are NOT an identity value (an amount, a postcode, a
count, a status like 유공자). Strict accuracy counts a spurious entity as much as a missed one, so
every case asserts the whole set of identity entities in the message, through the component's
`merge_entities` (rules only, no model).
"""

from datetime import date
from typing import Any

import pytest

from nlu.components.entity_normaliser import merge_entities
from nlu.normalise.digit_runs import with_lookalike_digits
from nlu.normalise.known_words import is_dictionary_word

TODAY = date(2026, 12, 5)
OURS = "KoreanEntityNormaliser"
IDENTITY = ("otp_code", "order_id", "phone_number", "person_name", "birth_date", "business_number")


def _identity_values(text: str, found: list[dict[str, Any]] | None = None) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {}
    for entity in merge_entities(text, found or [], TODAY, OURS):
        if entity["entity"] in IDENTITY:
            values.setdefault(entity["entity"], set()).add(str(entity["value"]))
    return values


def _tagged(text: str, raw: str, kind: str) -> dict[str, Any]:
    """What DIET reports when it tags `raw` in `text` as `kind`."""
    start = text.index(raw)
    return {"entity": kind, "start": start, "end": start + len(raw), "value": raw,
            "extractor": "DIETClassifier"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # SMS codes: digits in odd groups, glued to the cue, spoken, with endings and laughs
        ("인증번호 4 8 2 9 1 3", {"otp_code": "482913"}),
        ("인증번호는482913이요", {"otp_code": "482913"}),
        ("코드 482-913", {"otp_code": "482913"}),
        ("인증번호 48 29 13이에요", {"otp_code": "482913"}),
        ("문자로 온거 사팔이 구일삼 이요", {"otp_code": "482913"}),
        ("인증번호 사 팔 이 구 일 삼", {"otp_code": "482913"}),
        ("인증 번호 482913ㅎㅎ", {"otp_code": "482913"}),
        ("인증번호 482913 맞나요?", {"otp_code": "482913"}),
        ("인증번호가 482913 인데요", {"otp_code": "482913"}),
        ("번호 482913입니당", {"otp_code": "482913"}),
        ("오티피 482913", {"otp_code": "482913"}),
        ("482913", {"otp_code": "482913"}),
        ("인증번호 900101", {"otp_code": "900101"}),
        (
            "생년월일 900101이고 인증번호는 482913이요",
            {"birth_date": "1990-01-01", "otp_code": "482913"},
        ),
        ("인증번호 482913 생일은 900101", {"birth_date": "1990-01-01", "otp_code": "482913"}),
        ("인증번호 482913 이라예", {"otp_code": "482913"}),
        ("인증번호 482.913", {"otp_code": "482913"}),
        ("인증번호 482 913 이여", {"otp_code": "482913"}),
        ("인증번호는 사팔이구일삼", {"otp_code": "482913"}),
        ("인증번호 48291 3", {"otp_code": "482913"}),
        ("인증번호482913", {"otp_code": "482913"}),
        ("인증번호:482913", {"otp_code": "482913"}),
        ("인증번호 482913요ㅎㅎ", {"otp_code": "482913"}),
        ("인증번호 482913 입력했는데 안돼요", {"otp_code": "482913"}),
        ("오전 10시 30분에 문자 받았는데 인증번호 482913", {"otp_code": "482913"}),
        ("인증번호 482913이고요", {"otp_code": "482913"}),
        ("인증번호 사팔이 구일삼이고요", {"otp_code": "482913"}),
        ("인증번호 사팔이구일삼 입니다", {"otp_code": "482913"}),
        ("인증번호 4829l3", {"otp_code": "482913"}),
        ("인증번호 사팔이 구일삼이여", {"otp_code": "482913"}),
        ("문자에 482913 이렇게 왔어요", {"otp_code": "482913"}),
        ("인증번호 ㅡ 482913", {"otp_code": "482913"}),
        ("인증번호 482,913", {"otp_code": "482913"}),
        ("인증번호 48-29-13", {"otp_code": "482913"}),
        ("인증번호 4 8 2 9 1 3 이요", {"otp_code": "482913"}),
        ("인증번호 482 913이라예", {"otp_code": "482913"}),
        ("인증번호가 구공삼 칠일오 인디요", {"otp_code": "903715"}),
        ("코드는 일이삼사오육 이에요", {"otp_code": "123456"}),
        ("생년월일 500302이고 인증번호 482913", {"birth_date": "1950-03-02", "otp_code": "482913"}),
        ("인증번호 482 9 13", {"otp_code": "482913"}),
        ("인증번호는 48 2913", {"otp_code": "482913"}),
        ("인증번호 사팔이구일삼이요", {"otp_code": "482913"}),
        ("인증번호 4 8 2 9 1 3요", {"otp_code": "482913"}),
        ("인증번호 ４８２９１３", {"otp_code": "482913"}),
        ("인증번호 482913ㅋㅋ", {"otp_code": "482913"}),
        ("인증번호 482913!!", {"otp_code": "482913"}),
        ("인증번호는 482913 입니다ㅎ", {"otp_code": "482913"}),
        ("482913 이요", {"otp_code": "482913"}),
        ("482913이요", {"otp_code": "482913"}),
        ("아 네 482913", {"otp_code": "482913"}),
        ("받은 번호 482913 이예요", {"otp_code": "482913"}),
        ("문자온거 482913", {"otp_code": "482913"}),
        ("인증번호 48..29..13", {"otp_code": "482913"}),
        ("인증번호 482_913", {"otp_code": "482913"}),
        ("인증번호 482 913 이고요", {"otp_code": "482913"}),
        ("인증번호 팔이 구일 삼사", {"otp_code": "829134"}),
        ("인증번호 공공일 이삼사", {"otp_code": "001234"}),
        ("인증번호 010101", {"otp_code": "010101"}),
        ("인증번호가 사 팔 이 구 일 삼 이래요", {"otp_code": "482913"}),
        ("번호가 사팔이에 구일삼", {"otp_code": "482913"}),
        ("네 사팔이 구일삼이요", {"otp_code": "482913"}),
        ("인증번호 482913 이거 맞죠", {"otp_code": "482913"}),
        ("482913 입력할게요", {"otp_code": "482913"}),
        ("인증번호 482913 이여", {"otp_code": "482913"}),
        ("인증번호 482913 이랑께", {"otp_code": "482913"}),
        ("인증번호 482913 이우다", {"otp_code": "482913"}),
        ("인증번호 482913 입니더", {"otp_code": "482913"}),
        ("인증번호 482913 이유", {"otp_code": "482913"}),
        ("인증번호 4829 13 이요", {"otp_code": "482913"}),
        ("인증번호는요 482913", {"otp_code": "482913"}),
        ("인증번호 482913 인데 안 넘어가요", {"otp_code": "482913"}),
        ("인증번호 5분 안에 넣어야 하나요? 482913", {"otp_code": "482913"}),
        ("인증번호 264817요요", {"otp_code": "264817"}),
        ("인증번호는 482913이요ㅛㅛ", {"otp_code": "482913"}),
        ("인증번호482913이요", {"otp_code": "482913"}),
        ("인증번호 482913 ㅎㅎ", {"otp_code": "482913"}),
        ("인증번호 482913 ㅋㅋㅋ", {"otp_code": "482913"}),
        ("인증번호 482913이염", {"otp_code": "482913"}),
        ("인증번호 482913이에용", {"otp_code": "482913"}),
        ("인증번호 482913 이요ㅎ", {"otp_code": "482913"}),
        ("인증번호 482913 입니당", {"otp_code": "482913"}),
        ("인증번호 [482913]", {"otp_code": "482913"}),
        ('인증번호 "482913"', {"otp_code": "482913"}),
        ("인증번호 '482913'", {"otp_code": "482913"}),
        ("인증번호 <482913>", {"otp_code": "482913"}),
        ("인증번호 482913.", {"otp_code": "482913"}),
        ("인증번호 482913?", {"otp_code": "482913"}),
        ("인증번호 482 - 913", {"otp_code": "482913"}),
        ("[Web발신] 인증번호 482913", {"otp_code": "482913"}),
        (
            "인증번호 482913 입력하래서 했어요 생년월일은 500302고요",
            {"otp_code": "482913", "birth_date": "1950-03-02"},
        ),
        (
            "생년월일 50년 3월 2일 이고요 인증번호 482913",
            {"birth_date": "1950-03-02", "otp_code": "482913"},
        ),
        ("900101 482913", {"birth_date": "1990-01-01", "otp_code": "482913"}),
        ("500302이고 482913이요", {"birth_date": "1950-03-02", "otp_code": "482913"}),
        ("등본 3통 1500원 맞죠? 인증번호 482913", {"otp_code": "482913"}),
        ("인증번호 문자가 3개 왔는데 마지막 거 482913", {"otp_code": "482913"}),
        ("1시에 받은 인증번호 482913", {"otp_code": "482913"}),
        ("2시 30분에 온 인증번호 482913이요", {"otp_code": "482913"}),
        ("인증번호 482913 3분 지났나요", {"otp_code": "482913"}),
        ("인증번호가 6자리 맞죠 482913", {"otp_code": "482913"}),
        ("인증번호 482913 1번 더 보내주세요", {"otp_code": "482913"}),
        ("등본 2통이요 인증번호는 482913", {"otp_code": "482913"}),
        ("인증번호가 구 공 삼 칠 일 오 라고 떴어요", {"otp_code": "903715"}),
        ("인증 번호 구공삼 칠일오 이여", {"otp_code": "903715"}),
        ("문자 온 거 보니까 구공삼칠일오 라는디", {"otp_code": "903715"}),
        ("번호가 구공삼에 칠일오", {"otp_code": "903715"}),
        ("그 숫자가 구공삼칠일오 맞나", {"otp_code": "903715"}),
        ("인증번호 482913 아니고 482931이요", {"otp_code": "482931"}),
        ("인즌번호 482913", {"otp_code": "482913"}),
        ("인증번허 482913", {"otp_code": "482913"}),
        ("인정번호 482913이요", {"otp_code": "482913"}),
        ("인증벊호 482913", {"otp_code": "482913"}),
        # order numbers: split or spoken, with the endings of a clause
        ("신청번호 2048 1937", {"order_id": "20481937"}),
        ("접수번호 2048-1937이요", {"order_id": "20481937"}),
        ("신청번호는 이공사팔 일구삼칠 이에요", {"order_id": "20481937"}),
        ("주문번호20481937 조회좀요", {"order_id": "20481937"}),
        ("신청번호 2048 19 37", {"order_id": "20481937"}),
        ("신청번호 204 819 37", {"order_id": "20481937"}),
        ("접수번호 20481937인데요 언제 와요", {"order_id": "20481937"}),
        ("신청번호 이공사팔에 일구삼칠", {"order_id": "20481937"}),
        ("어제 신청한거 20481937 취소해주세요", {"order_id": "20481937"}),
        ("신청번호 2 0 4 8 1 9 3 7", {"order_id": "20481937"}),
        ("신청번호 19500302", {"order_id": "19500302"}),
        ("신청번호 20481937 생년월일 500302", {"order_id": "20481937", "birth_date": "1950-03-02"}),
        ("20481937번 조회해 주세요", {"order_id": "20481937"}),
        ("신청번호가 20481937 맞나? 확인좀", {"order_id": "20481937"}),
        ("신청번호 2048.1937", {"order_id": "20481937"}),
        ("신청번호 이공사팔 일구삼칠이여", {"order_id": "20481937"}),
        ("접수번호 20481937이고요 취소할게요", {"order_id": "20481937"}),
        ("신청번호 20481937 라예", {"order_id": "20481937"}),
        ("신청번호 2048 1937 입니다ㅎㅎ", {"order_id": "20481937"}),
        ("접수번호는 2048에 1937이요", {"order_id": "20481937"}),
        ("신청번호 20481937이요 등본 2통 신청한거", {"order_id": "20481937"}),
        ("접수번호 이공 사팔 일구 삼칠", {"order_id": "20481937"}),
        ("신청번호 2048ㅡ1937", {"order_id": "20481937"}),
        ("신청번호 20481937이구 취소해줘", {"order_id": "20481937"}),
        ("신청번호 2048 1937 이유", {"order_id": "20481937"}),
        ("신청번호 2048 1937 이고요", {"order_id": "20481937"}),
        ("20481937 이요", {"order_id": "20481937"}),
        ("이공사팔일구삼칠", {"order_id": "20481937"}),
        ("신청번호 20481937ㅋ", {"order_id": "20481937"}),
        ("신청번호 이공 사팔 일구 삼칠 이라예", {"order_id": "20481937"}),
        ("번호는 20481937 이었던 것 같아요", {"order_id": "20481937"}),
        ("신청번호 2048 1937 확인 부탁드려요 등본 3통 신청했어요", {"order_id": "20481937"}),
        ("신청번호20481937이요조회해주세요", {"order_id": "20481937"}),
        ("신청번호 2048-19-37", {"order_id": "20481937"}),
        ("신청번호 2048/1937", {"order_id": "20481937"}),
        ("신청번호 2048 1937이요ㅎㅎ", {"order_id": "20481937"}),
        ("신청번호 20481937이염", {"order_id": "20481937"}),
        ("신청 번호가 오팔삼일에 이공칠구 여", {"order_id": "58312079"}),
        ("접수번호 오팔 삼일 이공 칠구 인디", {"order_id": "58312079"}),
        ("신청번호는 오천팔백삼십일 이천칠십구", {"order_id": "58312079"}),
        ("신청번호 20481937 말고 20481973이요", {"order_id": "20481973"}),
        ("신청번허 20481937", {"order_id": "20481937"}),
        # phones: odd groups, brackets, a letter O for 0, a clause ending after each group
        ("010 1234 5678이요", {"phone_number": "01012345678"}),
        ("01012345678", {"phone_number": "01012345678"}),
        ("010-1234-5678이고요", {"phone_number": "01012345678"}),
        ("공일공 일이삼사 오육칠팔이요", {"phone_number": "01012345678"}),
        ("공일공에 일이삼사에 오육칠팔", {"phone_number": "01012345678"}),
        ("010.1234.5678", {"phone_number": "01012345678"}),
        ("010 12 34 56 78", {"phone_number": "01012345678"}),
        ("0101234 5678", {"phone_number": "01012345678"}),
        ("010-1234ㅡ5678", {"phone_number": "01012345678"}),
        ("폰번호 010 1234 5678 이라예", {"phone_number": "01012345678"}),
        ("010-1234-5678로 보내주세요", {"phone_number": "01012345678"}),
        ("공일공 천이백삼십사 오천육백칠십팔", {"phone_number": "01012345678"}),
        ("영일영 일이삼사 오육칠팔", {"phone_number": "01012345678"}),
        ("010 - 1234 - 5678", {"phone_number": "01012345678"}),
        (
            "번호는 공일공 일이삼사에 오육칠팔이고 이름은 김영희요",
            {"phone_number": "01012345678", "person_name": "김영희"},
        ),
        ("공일공 이삼사오 육칠팔구 입니다", {"phone_number": "01023456789"}),
        ("010이구요 1234에 5678이요", {"phone_number": "01012345678"}),
        ("공 일 공 일 이 삼 사 오 육 칠 팔", {"phone_number": "01012345678"}),
        ("010 1234 5678 이여", {"phone_number": "01012345678"}),
        ("연락처 010 1234 5678 이고예", {"phone_number": "01012345678"}),
        ("전화번호 010)1234-5678", {"phone_number": "01012345678"}),
        ("핸드폰 010 1234 5678 이에여", {"phone_number": "01012345678"}),
        ("폰 01012345678이에요ㅎㅎ", {"phone_number": "01012345678"}),
        ("전화번호는 공일공 일이삼사 오육칠팔인데요", {"phone_number": "01012345678"}),
        ("공일공에 일이삼사 오육칠팔이라예", {"phone_number": "01012345678"}),
        ("010 1234 5678 이랑께", {"phone_number": "01012345678"}),
        ("010/1234/5678", {"phone_number": "01012345678"}),
        ("010-12345678", {"phone_number": "01012345678"}),
        ("01O-1234-5678", {"phone_number": "01012345678"}),
        (
            "공일공 일이삼사 오육칠팔 이고요 김영희입니다",
            {"phone_number": "01012345678", "person_name": "김영희"},
        ),
        ("010 일이삼사 오육칠팔", {"phone_number": "01012345678"}),
        ("집전화 02 123 4567이요", {"phone_number": "021234567"}),
        ("공이에 이이육공에 일이삼사", {"phone_number": "0222601234"}),
        (
            "이름은 김영희 생일은 900101 전화는 01012345678",
            {"person_name": "김영희", "birth_date": "1990-01-01", "phone_number": "01012345678"},
        ),
        (
            "50년 3월 2일 생이고 전화는 010 1234 5678",
            {"birth_date": "1950-03-02", "phone_number": "01012345678"},
        ),
        ("공일공-일이삼사-오육칠팔", {"phone_number": "01012345678"}),
        ("010 1234 5678 입니당", {"phone_number": "01012345678"}),
        ("공일공 일이삼사 오육칠팔 이요", {"phone_number": "01012345678"}),
        ("010에 1234에 5678", {"phone_number": "01012345678"}),
        ("01012345678 이고요 김영희", {"phone_number": "01012345678", "person_name": "김영희"}),
        ("010 1234 567 8", {"phone_number": "01012345678"}),
        ("010 123 45678", {"phone_number": "01012345678"}),
        ("공일공 일이 삼사 오육 칠팔", {"phone_number": "01012345678"}),
        ("010-1234-5678 이구만", {"phone_number": "01012345678"}),
        ("내 번호는 010 1234 5678 이여 문자로 줘", {"phone_number": "01012345678"}),
        ("전화번호01012345678이에요", {"phone_number": "01012345678"}),
        ("010-1234-5678이에욤", {"phone_number": "01012345678"}),
        ("01012345678이요ㅛ", {"phone_number": "01012345678"}),
        ("010 1234 5678이여ㅎㅎ", {"phone_number": "01012345678"}),
        ("010--1234--5678", {"phone_number": "01012345678"}),
        ("010 .1234. 5678", {"phone_number": "01012345678"}),
        ("010_1234_5678", {"phone_number": "01012345678"}),
        ("010ㅡ1234ㅡ5678이요", {"phone_number": "01012345678"}),
        ("010~1234~5678", {"phone_number": "01012345678"}),
        ("010 1234 5678 이 번호로 주세요", {"phone_number": "01012345678"}),
        (
            "오십년 삼월 이일생 김영희 공일공 일이삼사 오육칠팔",
            {"birth_date": "1950-03-02", "person_name": "김영희", "phone_number": "01012345678"},
        ),
        ("주민센터 번호 02-2260-1234 맞나요", {"phone_number": "0222601234"}),
        ("어 그러니까 공일공에 구팔칠육에 오사삼이요", {"phone_number": "01098765432"}),
        ("전화번호가 공일공 다시 구팔칠육 다시 오사삼이", {"phone_number": "01098765432"}),
        ("내 번호? 공일공 구팔 칠육 오사 삼이", {"phone_number": "01098765432"}),
        ("공일공 구천팔백칠십육 오천사백삼십이", {"phone_number": "01098765432"}),
        ("공일일 삼사오 육칠팔구 예전 번호여", {"phone_number": "0113456789"}),
        ("영일영 구팔칠육 오사삼이 이라예", {"phone_number": "01098765432"}),
        (
            "제 번호가 바뀌었어요 예전 번호 010-1111-2222 말고 010-3333-4444로 해 주세요",
            {"phone_number": "01033334444"},
        ),
        ("전화번허 01012345678", {"phone_number": "01012345678"}),
        # names: a space after the surname, the cue glued to the name, endings said apart
        ("김 영희요", {"person_name": "김영희"}),
        ("이름은 김 영희입니다", {"person_name": "김영희"}),
        (
            "박서연이고요 생년월일은 900101이요",
            {"person_name": "박서연", "birth_date": "1990-01-01"},
        ),
        ("정순자인데요", {"person_name": "정순자"}),
        ("저는 배춘자라예", {"person_name": "배춘자"}),
        ("최말순이여", {"person_name": "최말순"}),
        ("김영희고요", {"person_name": "김영희"}),
        ("성함 김영희", {"person_name": "김영희"}),
        ("제이름은김영희입니다", {"person_name": "김영희"}),
        ("이름김영희요", {"person_name": "김영희"}),
        ("김영희 입니다ㅎㅎ", {"person_name": "김영희"}),
        ("김영희에요", {"person_name": "김영희"}),
        ("이름은 남궁 민수요", {"person_name": "남궁민수"}),
        ("어머니 이름이 김복순이고요 제가 대신 신청해요", {"person_name": "김복순"}),
        ("내 이름은 박 말순이여", {"person_name": "박말순"}),
        ("홍길동이라고 합니다", {"person_name": "홍길동"}),
        ("홍길동 이라고 합니다", {"person_name": "홍길동"}),
        ("이름은 김영희 이고요", {"person_name": "김영희"}),
        ("김영희 인데요", {"person_name": "김영희"}),
        (
            "김영희이구요 전화는 010 1234 5678",
            {"person_name": "김영희", "phone_number": "01012345678"},
        ),
        ("네 김영희요", {"person_name": "김영희"}),
        ("아 네네 박순례요", {"person_name": "박순례"}),
        ("이름 김영희ㅎㅎ", {"person_name": "김영희"}),
        ("제 이름은 김영희요ㅎㅎ", {"person_name": "김영희"}),
        ("제 이름은 김영희 이에요", {"person_name": "김영희"}),
        ("저 김영희라예", {"person_name": "김영희"}),
        ("김영희 이라예", {"person_name": "김영희"}),
        ("김영희 이여", {"person_name": "김영희"}),
        ("성함은 박 순 례 요", {"person_name": "박순례"}),
        ("이름은요 김영희요", {"person_name": "김영희"}),
        ("이름이요? 김영희요", {"person_name": "김영희"}),
        ("김영희이고 생일은 1990년 1월 1일", {"person_name": "김영희", "birth_date": "1990-01-01"}),
        ("김영희요 900101이요", {"person_name": "김영희", "birth_date": "1990-01-01"}),
        (
            "김영희 900101 01012345678",
            {"person_name": "김영희", "birth_date": "1990-01-01", "phone_number": "01012345678"},
        ),
        (
            "사업자번호는 123-45-67890이고 대표자는 김영희입니다",
            {"business_number": "1234567890", "person_name": "김영희"},
        ),
        ("김 순자 입니다", {"person_name": "김순자"}),
        ("제 이름 박 서연이에요", {"person_name": "박서연"}),
        ("성함이 최 말 순 이요", {"person_name": "최말순"}),
        ("이름:김영희", {"person_name": "김영희"}),
        ("이름은김영희고 생일은900101", {"person_name": "김영희", "birth_date": "1990-01-01"}),
        ("김영희요ㅎㅎ 900101이에요", {"person_name": "김영희", "birth_date": "1990-01-01"}),
        (
            "저 김영희고요 010 1234 5678이요",
            {"person_name": "김영희", "phone_number": "01012345678"},
        ),
        ("김영희인데요 등본 한통 떼려구요", {"person_name": "김영희"}),
        ("우리 어머니 성함은 박 옥 분 이에요", {"person_name": "박옥분"}),
        ("저는 김 영희라예", {"person_name": "김영희"}),
        ("김영희요요", {"person_name": "김영희"}),
        ("김영희입니닷", {"person_name": "김영희"}),
        ("김영희에욤ㅋ", {"person_name": "김영희"}),
        ("박서연이에요오", {"person_name": "박서연"}),
        ("김영희이요ㅛ", {"person_name": "김영희"}),
        ("김영희에요~~", {"person_name": "김영희"}),
        ("김영희 입니다!!", {"person_name": "김영희"}),
        ("김영희임당", {"person_name": "김영희"}),
        ("김영희여요", {"person_name": "김영희"}),
        ("김영희에여ㅎㅎ", {"person_name": "김영희"}),
        ("ㅎㅎ 김영희요", {"person_name": "김영희"}),
        ("넹 김영희요", {"person_name": "김영희"}),
        ("넵 박서연입니다", {"person_name": "박서연"}),
        (
            "제이름은김영희이고생일은900101이에요",
            {"person_name": "김영희", "birth_date": "1990-01-01"},
        ),
        ("101동 1203호 김영희요", {"person_name": "김영희"}),
        ("이름은 박 복 순 박복순이요", {"person_name": "박복순"}),
        ("나는 최 금자여", {"person_name": "최금자"}),
        ("아이고 내 이름은 한 순 덕 이여", {"person_name": "한순덕"}),
        ("김말순이라꼬요", {"person_name": "김말순"}),
        ("내가 정옥자인디", {"person_name": "정옥자"}),
        ("지는 오복례라예", {"person_name": "오복례"}),
        ("김지훈 말고 김지운이요", {"person_name": "김지운"}),
        ("셩함은 김영희요", {"person_name": "김영희"}),
        ("이룸은 김영희요", {"person_name": "김영희"}),
        ("이름은 김영희 입니당ㅎㅎ", {"person_name": "김영희"}),
        ("이름은 김영희ㅣ요", {"person_name": "김영희"}),
        # birth dates: keypad digits, dotted, spoken, dialect endings
        ("900101", {"birth_date": "1990-01-01"}),
        ("2025년 1월 3일", {"birth_date": "2025-01-03"}),
        ("생년월일 19500302", {"birth_date": "1950-03-02"}),
        ("생년월일 90.01.01", {"birth_date": "1990-01-01"}),
        ("구공공일공일이요", {"birth_date": "1990-01-01"}),
        ("오십년 삼월 이일생이라예", {"birth_date": "1950-03-02"}),
        ("1950년3월2일생", {"birth_date": "1950-03-02"}),
        ("50년 3월 2일생이여", {"birth_date": "1950-03-02"}),
        ("생년월일은 1950-03-02", {"birth_date": "1950-03-02"}),
        ("생년월일 1950.3.2", {"birth_date": "1950-03-02"}),
        ("생일 50.3.2", {"birth_date": "1950-03-02"}),
        ("천구백오십년 삼월 이일", {"birth_date": "1950-03-02"}),
        ("1950년 삼월 이일생이고요", {"birth_date": "1950-03-02"}),
        ("주민번호 앞자리 500302", {"birth_date": "1950-03-02"}),
        ("생년월일 500302 이여", {"birth_date": "1950-03-02"}),
        ("생년월일 오공공삼공이", {"birth_date": "1950-03-02"}),
        ("생년월일 1950 03 02", {"birth_date": "1950-03-02"}),
        ("생년월일 50 03 02요", {"birth_date": "1950-03-02"}),
        ("생일은 50년3월2일이고요", {"birth_date": "1950-03-02"}),
        ("오십년생 삼월 이일이요", {"birth_date": "1950-03-02"}),
        ("1950/03/02", {"birth_date": "1950-03-02"}),
        ("생년월일 500302요 인증번호는 아직 안 왔어요", {"birth_date": "1950-03-02"}),
        ("생년월일 1950년 03월 02일 입니다", {"birth_date": "1950-03-02"}),
        ("생년월일900101이요", {"birth_date": "1990-01-01"}),
        ("생일은1990년1월1일이요", {"birth_date": "1990-01-01"}),
        ("생년월일은 천구백사십오년 팔월 십오일이요", {"birth_date": "1945-08-15"}),
        ("사십오년 팔월 십오일생이여", {"birth_date": "1945-08-15"}),
        ("사오공팔일오 이요", {"birth_date": "1945-08-15"}),
        ("생일이 사 오 공 팔 일 오", {"birth_date": "1945-08-15"}),
        ("1945년 8월 15일 생이라예", {"birth_date": "1945-08-15"}),
        ("생년월일 45.8.15", {"birth_date": "1945-08-15"}),
        ("생년월일 450815 이우다", {"birth_date": "1945-08-15"}),
        ("생년월일 900101 아니라 900110이요", {"birth_date": "1990-01-10"}),
        ("생녕월일 900101", {"birth_date": "1990-01-01"}),
        ("셍년월일 1990.01.01", {"birth_date": "1990-01-01"}),
        # business numbers: any grouping
        ("사업자번호 123-45-67890", {"business_number": "1234567890"}),
        ("사업자 등록번호는 1234567890 입니다", {"business_number": "1234567890"}),
        ("사업자번호 123 45 67890이요", {"business_number": "1234567890"}),
        ("사업자번호 일이삼 사오 육칠팔구공", {"business_number": "1234567890"}),
        ("사업자번호 123-4567-890", {"business_number": "1234567890"}),
        ("사업자번호 123.45.67890", {"business_number": "1234567890"}),
        ("사업자번호 1234567890이구요 등본 50통", {"business_number": "1234567890"}),
        ("사업자번호 123 45 67890 이라예", {"business_number": "1234567890"}),
        ("사업자번호 123ㅡ45ㅡ67890", {"business_number": "1234567890"}),
        ("사업자번호1234567890이요", {"business_number": "1234567890"}),
        (
            "초본 100통 필요해요 채권추심용이에요 사업자번호는 123-45-67890",
            {"business_number": "1234567890"},
        ),
        ("사업자버호 1234567890", {"business_number": "1234567890"}),
        ("사업자 번호 123-45-67890 임다", {"business_number": "1234567890"}),
        ("사업자번호요? 1234567890요", {"business_number": "1234567890"}),
    ],
)
def test_a_value_in_a_residents_words_is_read_and_nothing_else(
    text: str, expected: dict[str, str]
) -> None:
    assert _identity_values(text) == {kind: {value} for kind, value in expected.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("오십 년 삼 월 이 일생", {"birth_date": "1950-03-02"}),
        ("생년월일 1950 3 2", {"birth_date": "1950-03-02"}),
        ("생년월일 1950 03 02 이요", {"birth_date": "1950-03-02"}),
        ("생년월일 50 3 2", {"birth_date": "1950-03-02"}),
        ("천구백오십 년 삼월 이일", {"birth_date": "1950-03-02"}),
        ("오공년 삼월 이일생", {"birth_date": "1950-03-02"}),
        ("생일이 오공 공삼 공이", {"birth_date": "1950-03-02"}),
        ("생년월일 50-03-02", {"birth_date": "1950-03-02"}),
        ("50년3월2일", {"birth_date": "1950-03-02"}),
        ("생년월일 1950년 3월 2일 생이고요", {"birth_date": "1950-03-02"}),
        ("1950년 3월 2일생 김영희", {"birth_date": "1950-03-02", "person_name": "김영희"}),
        ("사업자번호 일이삼에 사오에 육칠팔구공", {"business_number": "1234567890"}),
        ("사업자 등록 번호 123 45 678 90", {"business_number": "1234567890"}),
        ("사업자번호 1 2 3 4 5 6 7 8 9 0", {"business_number": "1234567890"}),
        ("사업자번호는 123-45-67890 이고예", {"business_number": "1234567890"}),
        ("사업자번호 123-45-67890 입니더", {"business_number": "1234567890"}),
        ("법인 사업자번호 2208162517요", {"business_number": "2208162517"}),
        ("인증번호는 이거요 482913", {"otp_code": "482913"}),
        ("인증번호 4 8 2 9 1 3 입니다", {"otp_code": "482913"}),
        ("인증번호 사팔이 구일삼 맞지예", {"otp_code": "482913"}),
        ("번호 왔어요 482913", {"otp_code": "482913"}),
        ("482 913", {"otp_code": "482913"}),
        ("4829 13이요", {"otp_code": "482913"}),
        ("사팔이구일삼", {"otp_code": "482913"}),
        ("구공삼칠일오요", {"otp_code": "903715"}),
        ("문자 인증번호 [482913]를 입력해 주세요", {"otp_code": "482913"}),
        (
            "김영희 공일공 일이삼사 오육칠팔",
            {"person_name": "김영희", "phone_number": "01012345678"},
        ),
        (
            "010-1234-5678 김영희 500302",
            {"person_name": "김영희", "phone_number": "01012345678", "birth_date": "1950-03-02"},
        ),
        (
            "김영희/500302/01012345678",
            {"person_name": "김영희", "phone_number": "01012345678", "birth_date": "1950-03-02"},
        ),
        (
            "이름 김영희 생년월일 500302 연락처 01012345678",
            {"person_name": "김영희", "phone_number": "01012345678", "birth_date": "1950-03-02"},
        ),
        (
            "김영희 50년3월2일 010 1234 5678",
            {"person_name": "김영희", "phone_number": "01012345678", "birth_date": "1950-03-02"},
        ),
        (
            "등본 두 통이요 이름은 김영희 생일은 오십년 삼월 이일",
            {"person_name": "김영희", "birth_date": "1950-03-02"},
        ),
    ],
)
def test_spaced_dates_spoken_business_numbers_and_several_answers_at_once(
    text: str, expected: dict[str, str]
) -> None:
    assert _identity_values(text) == {kind: {value} for kind, value in expected.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("우리 할아버지 생년월일 251010 이에요", {"birth_date": "1925-10-10"}),
        ("어르신 생일은 240505요", {"birth_date": "1924-05-05"}),
        ("아기 생년월일 240505요", {"birth_date": "2024-05-05"}),
        ("남궁민이에요 성이 남궁이에요", {"person_name": "남궁민"}),
        ("김하나입니다 성은 김이고요", {"person_name": "김하나"}),
    ],
)
def test_an_elders_two_digit_year_and_a_surname_explained_apart(
    text: str, expected: dict[str, str]
) -> None:
    assert _identity_values(text) == {kind: {value} for kind, value in expected.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("인증번호 하나둘셋 넷다섯여섯", {"otp_code": "123456"}),
        ("인증번호 하나 둘 셋 넷 다섯 여섯이요", {"otp_code": "123456"}),
        ("공일공 하나둘셋넷 다섯여섯일곱여덟", {"phone_number": "01012345678"}),
        ("전화번호 공일공에 하나둘셋넷에 다섯여섯일곱여덟이요", {"phone_number": "01012345678"}),
        ("신청번호 둘공넷여덟 하나아홉셋일곱", {"order_id": "20481937"}),
        ("하나만 주세요", {}),
        ("둘 다 주세요", {}),
        ("셋이서 갈게요", {}),
        ("하나 둘 셋 넷 다섯 세어 볼게요", {}),
        ("등본 하나 초본 둘이요", {}),
    ],
)
def test_digits_read_with_native_counting_words_are_digits_only_four_in_a_row(
    text: str, expected: dict[str, str]
) -> None:
    assert _identity_values(text) == {kind: {value} for kind, value in expected.items()}


@pytest.mark.parametrize(
    "text",
    [
        "인증번호 3분 지났어요",
        "수수료 500원 등본 3통이면 1500원이에요?",
        "우편번호 100-011",
        "다산로 32길 15, 101동 1203호",
        "오후 2시 30분까지 가면 되나요",
        "2026년 12월 5일에 신청했어요",
        "등본 200통 필요해요 회사에서 쓸거라",
        "총 150000원 맞나요",
        "150,000원이요",
        "등본 2통 인감 1통 해서 총 3통이요",
        "신당동 432-15번지에 살아요",
        "1층 102호 앞에 놔주세요",
        "12월 24일에 받으러 갈게요",
        "제가 65세 이상인데 배달 되나요",
        "19시 30분 이후에도 돼요?",
        "민원실 1번 창구 2번 창구",
        "예전에 3 4 5번 했는데",
        "계좌번호 110-123-456789 로 보내면 되나요",
        "등본 한통에 400원 맞죠",
        "아파트 101동 1502호예요",
        "3분 안에 입력해야 돼요?",
        "인증번호 6자리 어디 입력해요",
        "생일 3월 2일이에요",
        "1950년생이요",
        "2026년 3월 3일",
        "2층 창구요",
        "1588-1234로 전화하면 되나요",
        "120 다산콜 번호 맞죠",
        "등본 10통이랑 초본 5통",
        "2024년도 소득으로요",
        "작년 12월에 이사왔어요",
        "100만원 이하면요",
        "1시간 기다렸어요",
        "나이가 82세예요",
        "82살이에요",
        "1950년생 82세",
        "집 번지수가 123-45예요",
        "우편번호 04558",
        "차량번호 12가 3456",
        "카드번호 1234-5678-9012-3456",
        "신청한지 3일 됐어요",
        "하루에 100통까지 되나요",
        "사업자 50곳 정도",
        "집 전화는 이이육공에 일이삼사",
        "어제 오후 3시쯤 주민센터 2층 민원실에 갔는데 번호표 57번 받고 40분 기다렸어요",
        "등본 3통이랑 초본 2통 해서 총 5통인데 수수료가 2,000원 맞나요?",
        "2019년에 이사 와서 2021년에 전입신고 했어요",
        "101동 1502호로 배달해 주세요 주소는 다산로 123이에요",
        "집이 신당동 355-12번지인데 배달 되나요",
        "오전 9시부터 오후 6시까지 맞죠",
        "지난달 15일에 신청했는데 아직 안 왔어요",
        "12월 3일 오후 2시 예약했어요",
        "인감 1통 600원 등본 1통 400원 해서 1000원",
        "계좌로 3000원 보냈어요",
        "대량발급 200건 신청하려는데 회사 직원 15명이 나눠서 받을게요",
    ],
)
def test_a_number_that_is_no_identity_value_makes_no_entity(text: str) -> None:
    assert _identity_values(text) == {}


@pytest.mark.parametrize(
    "text",
    [
        "문자 안 와요 인증번호 다시 보내 주세요",
        "안녕하세요 등본 떼려고요",
        "정말 감사합니다",
        "이번주 안에 되나요",
        "오늘까지 되나요",
        "고맙습니다 수고하세요",
        "조금 이따가 할게요",
        "신청할게요",
        "다음에 할게요",
        "문자가 안와요",
        "저는 유공자인데요",
        "저는 고령자인데요 배달 돼요?",
        "저는 차상위인데요",
        "저는 한부모인데요",
        "제가 장남인데요",
        "저는 공무원인데요",
        "저는 주부인데요",
        "저는 세입자예요",
        "저는 집주인이에요",
        "저는 수급자예요",
        "저는 장애인이에요",
        "저는 기사님한테 받을게요",
        "저는 오늘 못 가요",
        "저는 괜찮아요",
        "저는 모르겠어요",
        "제가 직접 갈게요",
        "저 지금 바빠요",
        "저 혼자 살아요",
        "제가 대신 갈게요",
        "나는 노인이라 못가",
        "저는 통장인데요",
        "저 임산부예요",
        "저는 경비원이에요",
        "저는 관리인이에요",
        "저는 대학생이에요",
        "저는 고등학생인데요",
        "저는 자영업자예요",
        "저는 사장인데요",
        "저는 전입자예요",
        "저는 조카예요",
        "저는 손녀예요",
        "전 상관없어요",
        "저는 방금 왔어요",
        "저는 우선 등본부터요",
        "제가 하나만 물어볼게요",
        "저 구십살이에요",
        "황당하네요",
        "고생하셨어요",
        "이따가요",
        "장난해요?",
        "조용히 해요",
        "조금만요",
        "정확히요",
        "전혀요",
        "강추요",
        "최고예요",
        "최근에요",
        "최대한요",
        "한번만요",
        "나중에요",
        "우선이요",
        "오케이요",
        "오키요",
        "그냥요",
        "성인이요",
        "원본이요",
        "사본이요",
        "전부요",
        "고마워요",
        "유료예요?",
        "무료예요?",
        "반반이요",
        "김치요",
        "모두요",
        "안돼요",
        "하나요",
        "주중에요",
        "오전에요",
        "이메일이요",
        "정상이에요?",
        "조금 전에요",
        "어 김치찌개요",
        "강남이요",
        "서울이요",
        "부산이요",
        "명절에요",
        "여러통이요",
        "최대한 빨리요",
        "석달 전에요",
        "정확하게 모르겠어요",
        "구체적으로요",
        "쉰년 삼월 이일",
        "이 서류 맞아요?",
        "김 사장님한테 보내주세요",
        "오 좋네요",
        "안 돼요 그럼",
        "정 안되면 상담원 연결해 주세요",
        "조 만간 갈게요",
        "주민등록번호 뒷자리는 안 알려줄래요",
        "마흔다섯년생 팔월 십오일",
    ],
)
def test_words_that_only_look_like_a_name_make_no_entity(text: str) -> None:
    assert _identity_values(text) == {}


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("저는 고령자라서 배달 되나요", "고령자라서"),
        ("공무원인데 점심시간에 가도 돼요?", "공무원인데"),
        ("유공자는 수수료 면제인가요", "유공자는"),
        ("최대한 빨리 보내 주세요", "최대한"),
        ("선우진이요 성은 선우예요", "선우예요"),
    ],
)
def test_a_tagger_name_that_is_a_dictionary_word_or_a_lone_surname_is_dropped(
    text: str, raw: str
) -> None:
    diet = _tagged(text, raw, "person_name")
    names = _identity_values(text, [diet]).get("person_name", set())
    assert not any(name in raw for name in names)  # the rules' own names may stay


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("어제 배춘자 할머니가 다녀가셨어요", "배춘자"),
        ("서류는 김영희한테 보내 주세요", "김영희한테"),
        ("등본은 황금순 앞으로 해 주세요", "황금순"),
    ],
)
def test_a_tagger_name_that_is_no_dictionary_word_is_kept(text: str, raw: str) -> None:
    diet = _tagged(text, raw, "person_name")
    assert "person_name" in _identity_values(text, [diet])


@pytest.mark.parametrize(
    ("text", "raw", "kind", "expected"),
    [
        ("생년월일 900101 아니라 900110이요", "900101", "otp_code", {"birth_date": {"1990-01-10"}}),
        ("우편번호 100-011 맞나요", "100-011", "otp_code", {}),
        (
            "신청번호 20481937 말고 20481973이요",
            "20481937",
            "birth_date",
            {"order_id": {"20481973"}},
        ),
    ],
)
def test_a_tagger_number_over_digits_the_rules_left_out_is_dropped(
    text: str, raw: str, kind: str, expected: dict[str, set[str]]
) -> None:
    diet = _tagged(text, raw, kind)
    assert _identity_values(text, [diet]) == expected


def test_a_tagger_number_the_rules_found_no_entity_in_is_still_used() -> None:
    # Stars are no separator to the rules, so they see three short groups and no phone.
    text = "연락처 010*1234*5678"
    start = text.index("010")
    diet = {"entity": "phone_number", "start": start, "end": len(text), "value": text[start:]}
    assert _identity_values(text, [diet]) == {"phone_number": {"01012345678"}}


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("유공자", True),
        ("차상위", True),
        ("최대한", True),
        ("원본", True),
        ("김영희", False),  # a proper noun in the dictionary
        ("박서연", False),  # not in the dictionary
        ("황금순", False),  # two morphemes, 황금 + 순
    ],
)
def test_only_a_single_common_dictionary_word_counts_as_known(word: str, known: bool) -> None:
    assert is_dictionary_word(word) is known


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("01O-1234-5678", "010-1234-5678"),
        ("4829l3", "482913"),
        ("OTP 123456", "OTP 123456"),
        ("Olleh 010", "Olleh 010"),
    ],
)
def test_a_letter_typed_for_a_digit_is_read_as_the_digit(text: str, cleaned: str) -> None:
    assert with_lookalike_digits(text) == cleaned
