"""The way a resident gets a document (nlu-contract.md `method`): kiosk, counter, online, delivery.

The contract: "A `method` named in a message is an entity whatever the intent". This module reads
"named" as follows, and keeps to it everywhere:

- A word that *is* a way of getting a document is a method wherever it stands, in a request, an
  answer or a question: 발급기 / 무인기 / 키오스크 / 기계로 (kiosk), 창구 (counter), 정부24 /
  인터넷 / 온라인 / 전자증명서 / 모바일 / PDF (online), 배달 / 배송 / 우편 / 택배 (delivery).
  "발급기 어디 있어요?" is kiosk, "배달 서비스 누가 받을 수 있어요" is delivery, "점심시간에도
  창구 열어요?" is counter.
- A *place* (주민센터, 동사무소, 행정복지센터, 구청) is only a place, like a dong: "주민센터 몇 시까지
  해요?" names no method. It is the counter when the message says the resident goes or receives
  there ("주민센터 가서 받을게요", "동사무소에서 뗄게요", "센터로 찾으러 갈게요"); so are "직접 가서",
  "방문해서", "찾으러 갈게요" without a place.
- Phrases that need their verb: "핸드폰으로 받을게요" (online; "핸드폰 번호" is not), "집으로 보내
  주세요" / "갖다 주세요" / "가져다 주세요" (delivery; "문자 보내 주세요" is not).
- A way the resident turns away from is not named as their way: "창구 말고", "발급기 안 쓰고",
  "주민센터까지 가기 힘들어서". A correction ("발급기 말고 창구로") keeps the new value (extract.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KIOSK = "kiosk"
COUNTER = "counter"
ONLINE = "online"
DELIVERY = "delivery"
METHODS = (KIOSK, COUNTER, ONLINE, DELIVERY)

_SP = r"\s*"
_PLACE = (
    r"(?:주민\s*센터|주민\s*쎈터|동\s*사무소|동사무서|행정\s*복지\s*센터|복지\s*센터|구청|민원실"
    r"|센터)"
)
# Going to or receiving at a place: "가서", "가서 받을게요", "에서 뗄게요", "로 찾으러 갈게요".
_VISIT_VERB = (
    r"(?:가(?:서|가지고|갖고|가꼬|겠|께|ㄹ게|ㄹ께|면|려|구|고\s*싶|볼|보|요|유|야)"
    r"|갈(?:게|께|래|거|테|랍|라|란|껴|겨|려)|갑니다|가지요|갈랑께|가께|가쿠다|가켜"
    r"|방문|들러|들를|들릴|들리|찾으러|찾아\s*갈|찾아\s*가(?![는늘])"
    r"|받으러|받을|받겠|받아|받고|받는|떼러|뗄|떼|발급(?!\s*기)|뽑|찾을|나가)"
)
_PLACE_VISIT = re.compile(
    _PLACE
    + r"(?:에서|에|에서요|으로|로|까지|를|을|가|이|에\s*직접|에\s*가서)?"
    + _SP
    + r"(?:직접\s*)?(?:가서\s*)?(?:직접\s*)?"
    + _VISIT_VERB
)
# Going in person without naming the place.
_IN_PERSON = re.compile(
    r"직접\s*(?:가|갈|방문|찾|받으러|떼러|들러|나가)"
    r"|방문\s*(?:해서|하여|할게|할께|해\s*서|수령|할래)"
    r"|찾으러\s*(?:갈|가)|받으러\s*(?:갈|가)|떼러\s*(?:갈|가)|가서\s*(?:받|뗄|떼|찾)"
)
_KIOSK = re.compile(
    r"무인\s*민원\s*발급기|무인\s*발급기|무인\s*(?:민원\s*)?발급\s*(?:zone|존|ZONE)"
    r"|무인\s*민원기|무인기|무인(?=으로|에서|서|루)|발급\s*기계|발급기|키오스크"
    r"|kiosk|KIOSK|Kiosk|자판기|기계(?=로|에서|서|에|루)"
)
_COUNTER = re.compile(r"창구")
_ONLINE = re.compile(
    r"정부\s*24|정부\s*이십사|gov\s*24|인터넷|온라인|온\s*라인|전자\s*증명서|전자\s*증명|전자\s*문서"
    r"|모바일|pdf|PDF|Pdf|홈\s*페이지|홈피|웹\s*사이트|이메일|메일로"
    r"|컴퓨터(?=로|에서|루)|스마트\s*폰(?=으로|에서|루)"
    r"|(?:핸드폰|휴대폰|휴대\s*전화|폰|앱|어플)(?:으로|로|에서|루)\s*(?:바로\s*)?"
    r"(?:받|발급|떼|뗄|뽑|보|저장|신청)"
)
_SEND = r"(?:보내|배달|갖다|가져다|가져\s*다|받|부쳐|부치|와|오|가져와|날라|갖고\s*와)"
_DELIVERY = re.compile(
    r"배달|배송(?=\s*(?:해|으로|받|신청|서비스))|택배(?=로|\s*로)|우편(?=으로|로|\s*발송)|등기로"
    r"|집\s*(?:으로|까지|루)\s*(?:좀\s*)?" + _SEND
    + r"|집에\s*(?:좀\s*)?(?:보내|배달|갖다|가져다|부쳐)|댁\s*(?:으로|까지)"
    r"|(?:갖다|가져다|가져\s*다)\s*(?:주|줘|줄|드|달)|갖다줘|갖다주"
    r"|(?:보내|부쳐|가져와|날라)\s*(?:주|줘|줄|달|드)"
)
# "치킨 배달", "쿠팡 배송": goods, not a document.
_GOODS_BEFORE = re.compile(
    r"(?:음식|치킨|피자|짜장|중국집|우유|신문|꽃|쿠팡|마트|편의점|물건|도시락|반찬|택배|식료품)\s*$"
)
_NOT_A_SERVICE_AFTER = re.compile(r"\s*(?:요금|설치|선\b|속도|연결|이\s*안|가\s*안|이\s*느|가\s*느|쇼핑)")
# "문자 다시 보내 주세요", "인증번호 보내 줘": the code is sent, not a document.
_NOT_A_DOCUMENT_SENT = re.compile(
    r"(?:문자|번호|인증|코드|메시지|메세지|링크|카톡|알림|사진|팩스)\S*\s*"
    r"(?:다시\s*|좀\s*|한\s*번\s*더\s*)?$"
)
_SEND_VERB = re.compile(r"^(?:보내|부쳐|갖다|가져다|가져\s*다|가져와|날라)")
# A way the resident turns away from: "창구 말고", "발급기 안 쓰고", "센터까지 가기 힘들어서".
_HARD = r"(?:힘들|어렵|어려|불편|힘듦|곤란|멀)"
_TURNED_AWAY = re.compile(
    r"\S{0,4}\s*(?:말고|말구|아니고|아니구|아니라|빼고|대신에?|는\s*싫|은\s*싫|싫"
    r"|안\s*(?:쓰|가|갈|할)|못\s*(?:가|쓰|하)|(?:까지\s*)?가기\s*(?:가|는|도)?\s*" + _HARD
    + r"|가기\s*싫|는\s*좀|은\s*좀|가\s*멀|이\s*멀|까지\s*못)"
)


@dataclass(frozen=True, slots=True)
class MethodMatch:
    start: int
    end: int
    method: str


def _candidates(text: str) -> list[MethodMatch]:
    found: list[MethodMatch] = []
    for pattern, method in ((_KIOSK, KIOSK), (_COUNTER, COUNTER), (_ONLINE, ONLINE)):
        found += [
            MethodMatch(m.start(), m.end(), method)
            for m in pattern.finditer(text)
            if not (method == ONLINE and _NOT_A_SERVICE_AFTER.match(text, m.end()))
        ]
    for match in _DELIVERY.finditer(text):
        if _SEND_VERB.match(match.group()) and _NOT_A_DOCUMENT_SENT.search(text[: match.start()]):
            continue
        if _GOODS_BEFORE.search(text[: match.start()]):
            continue
        found.append(MethodMatch(match.start(), match.end(), DELIVERY))
    for pattern in (_PLACE_VISIT, _IN_PERSON):
        found += [MethodMatch(m.start(), m.end(), COUNTER) for m in pattern.finditer(text)]
    return found


def _turned_away(text: str, match: MethodMatch) -> bool:
    # "발급기 말고 창구로": the old way is dropped here, so a lone "창구 말고 다른 방법" names
    # no way at all; the new one stays.
    return _TURNED_AWAY.match(text, match.end) is not None


def find_methods(text: str) -> list[MethodMatch]:
    """Every way of getting a document named in `text`, left to right, without overlaps."""
    ranked = sorted(_candidates(text), key=lambda m: (-(m.end - m.start), m.start))
    kept: list[MethodMatch] = []
    for match in ranked:
        if any(match.start < k.end and k.start < match.end for k in kept):
            continue
        kept.append(match)
    named = sorted((m for m in kept if not _turned_away(text, m)), key=lambda m: m.start)
    # "기계로 기계로", "택배로 보내 줄": a way said twice is one way.
    first: dict[str, MethodMatch] = {}
    for match in named:
        first.setdefault(match.method, match)
    return sorted(first.values(), key=lambda m: m.start)


def parse_method(raw: str) -> str | None:
    """The method a span names ("발급기로" -> kiosk, "정부24로요" -> online), or None.

    For spans a statistical tagger proposed: the span itself must name a way; a bare place
    ("주민센터") is accepted as the counter only with its visiting verb inside the span.
    """
    found = find_methods(raw)
    if not found:
        return None
    values = {m.method for m in found}
    return found[0].method if len(values) == 1 else None
