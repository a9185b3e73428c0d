"""bot/reply.py: Rasa's message dicts to one Reply, and channel words from the domain or YAML."""

from __future__ import annotations

from types import SimpleNamespace

from bot.reply import Button, Card, ChannelTexts, Document, Image, Link, Reply, Text, domain_of


def test_texts_cards_links_and_documents_keep_their_order() -> None:
    reply = Reply.from_rasa(
        [
            {"recipient_id": "u", "text": "신청 내용을 확인해 주세요."},
            {
                "recipient_id": "u",
                "custom": {
                    "card": {
                        "title": "신청 내용",
                        "fields": [{"label": "서류", "value": "등본"}, ["수수료", "0원"]],
                    }
                },
            },
            {
                "recipient_id": "u",
                "text": "이대로 신청할까요?",
                "buttons": [
                    {"title": "네", "payload": "/affirm"},
                    {"title": "아니요", "payload": "/deny"},
                ],
            },
            {"custom": {"link": {"url": "https://www.gov.kr", "title": "정부24"}}},
            {"custom": {"document": {"url": "http://x/r.pdf", "filename": "r.pdf"}}},
            {"image": "https://example.org/map.png"},
        ]
    )
    assert reply.parts == (
        Text("신청 내용을 확인해 주세요."),
        Card(title="신청 내용", fields=(("서류", "등본"), ("수수료", "0원"))),
        Text("이대로 신청할까요?"),
        Link(url="https://www.gov.kr", title="정부24"),
        Document(url="http://x/r.pdf", filename="r.pdf"),
        Image("https://example.org/map.png"),
    )
    assert reply.buttons == (Button("네", "/affirm"), Button("아니요", "/deny"))
    assert reply.texts == ("신청 내용을 확인해 주세요.", "이대로 신청할까요?")
    assert reply.unknown == ()


def test_card_body_lists_description_then_fields() -> None:
    card = Card(title="t", description="설명", fields=(("서류", "등본"), ("", "메모")))
    assert card.body() == "설명\n서류: 등본\n메모"


def test_unknown_custom_keys_are_reported_not_dropped_silently() -> None:
    reply = Reply.from_rasa([{"custom": {"carousel": [1, 2]}}])
    assert reply.unknown == ("carousel",)
    assert reply.is_empty


def test_button_without_payload_sends_its_title_and_junk_is_ignored() -> None:
    reply = Reply.from_rasa([{"text": "x", "buttons": [{"title": "네"}, "junk", {}]}])
    assert reply.buttons == (Button("네", "네"),)


def test_attachments_become_documents_or_images() -> None:
    reply = Reply.from_rasa(
        [
            {"attachment": "http://x/files/a.pdf"},
            {"attachment": {"type": "image", "payload": {"src": "http://x/i.png"}}},
        ]
    )
    assert reply.parts == (Document("http://x/files/a.pdf", "a.pdf"), Image("http://x/i.png"))


def test_then_concatenates_and_keeps_the_later_buttons() -> None:
    staff = Reply.of("담당 주무관이에요.")
    turn = Reply.of("무엇을 도와드릴까요?", buttons=[Button("도움말", "/help")])
    joined = staff.then(turn)
    assert joined.texts == ("담당 주무관이에요.", "무엇을 도와드릴까요?")
    assert joined.buttons == (Button("도움말", "/help"),)


def test_channel_words_come_from_the_domain_first_then_the_yaml() -> None:
    texts = ChannelTexts("kakao", {"wait": "기본 문장", "more": "더 보기"})
    domain = SimpleNamespace(
        responses={
            "utter_channel_kakao_wait": [
                {"text": "조건부", "condition": [{"type": "slot", "name": "x", "value": 1}]},
                {"text": "도메인 문장"},
            ]
        }
    )
    assert texts.get("wait", domain) == "도메인 문장"
    assert texts.get("more", domain) == "더 보기"
    assert texts.get("wait", None) == "기본 문장"
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(domain=domain)))
    assert domain_of(app) is domain
    assert domain_of(SimpleNamespace()) is None
