"""Golden and limit tests for bot/kakao/skill_response.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from kakao_schema import skill_response_problems, visible_text

from bot.kakao.skill_response import MAX_OUTPUTS, render_pages, split_text
from bot.reply import Button, Card, Document, Link, Reply, Text

ROOT = Path(__file__).resolve().parents[2]
WORDS: dict[str, str] = yaml.safe_load((ROOT / "bot/kakao/texts.yml").read_text(encoding="utf-8"))


def squash(text: str) -> str:
    return "".join(text.split())


def all_pages_valid(pages: list[dict[str, Any]]) -> None:
    for i, page in enumerate(pages):
        assert skill_response_problems(page) == [], (i, page)


def test_short_text_with_buttons_is_one_bubble_with_quick_replies() -> None:
    reply = Reply.of(
        "어떻게 받으시겠어요?",
        buttons=[Button("무인발급기", '/inform{"method":"kiosk"}'), Button("주민센터", "/counter")],
    )
    assert render_pages(reply, WORDS) == [
        {
            "version": "2.0",
            "template": {
                "outputs": [{"simpleText": {"text": "어떻게 받으시겠어요?"}}],
                "quickReplies": [
                    {
                        "label": "무인발급기",
                        "action": "message",
                        "messageText": "무인발급기",
                        "extra": {"payload": '/inform{"method":"kiosk"}'},
                    },
                    {
                        "label": "주민센터",
                        "action": "message",
                        "messageText": "주민센터",
                        "extra": {"payload": "/counter"},
                    },
                ],
            },
        }
    ]


def test_many_short_texts_are_merged_into_one_bubble() -> None:
    texts = [f"안내 {i}번이에요." for i in range(7)]
    pages = render_pages(Reply.of(*texts), WORDS)
    assert len(pages) == 1
    assert pages[0]["template"]["outputs"] == [{"simpleText": {"text": "\n\n".join(texts)}}]


def test_long_text_is_split_into_bubbles_of_at_most_1000_characters() -> None:
    paragraph = "주민등록등본은 가까운 주민센터나 무인민원발급기에서 받을 수 있어요. " * 10
    text = "\n\n".join([paragraph.strip()] * 6)  # about 2,400 characters
    pages = render_pages(Reply.of(text), WORDS)
    all_pages_valid(pages)
    assert len(pages) == 1
    outputs = pages[0]["template"]["outputs"]
    assert 2 <= len(outputs) <= MAX_OUTPUTS
    assert visible_text(pages[0]) == squash(text)


def test_text_longer_than_three_bubbles_continues_on_a_more_page() -> None:
    text = ("가" * 99 + " ") * 50  # 5,000 characters, no sentence breaks
    pages = render_pages(Reply.of(text, buttons=[Button("네", "/affirm")]), WORDS)
    all_pages_valid(pages)
    assert len(pages) == 2
    more = pages[0]["template"]["quickReplies"]
    assert [q["extra"] for q in more] == [{"minwon_more": "1"}]
    assert pages[1]["template"]["quickReplies"][0]["extra"] == {"payload": "/affirm"}
    assert "".join(visible_text(p) for p in pages) == squash(text)


def test_unbroken_run_is_hard_split_without_loss() -> None:
    chunks = split_text("x" * 2500)
    assert [len(c) for c in chunks] == [1000, 1000, 500]


def test_order_summary_is_a_text_card_between_its_texts() -> None:
    card = Card(
        title="신청 내용",
        fields=(
            ("서류", "주민등록표 등본"),
            ("부수", "1통"),
            ("수령 방법", "무인발급기"),
            ("수수료", "0원"),
        ),
    )
    reply = Reply(
        parts=(Text("신청 내용을 확인해 주세요."), card, Text("이대로 신청할까요?")),
        buttons=(Button("네", "/affirm"), Button("아니요", "/deny")),
    )
    pages = render_pages(reply, WORDS)
    all_pages_valid(pages)
    assert pages[0]["template"]["outputs"] == [
        {"simpleText": {"text": "신청 내용을 확인해 주세요."}},
        {
            "textCard": {
                "title": "신청 내용",
                "description": (
                    "서류: 주민등록표 등본\n부수: 1통\n수령 방법: 무인발급기\n수수료: 0원"
                ),
            }
        },
        {"simpleText": {"text": "이대로 신청할까요?"}},
    ]


def test_card_too_long_for_a_text_card_becomes_text() -> None:
    card = Card(title="긴 안내", description="나" * 450)
    pages = render_pages(Reply(parts=(card,)), WORDS)
    all_pages_valid(pages)
    assert "simpleText" in pages[0]["template"]["outputs"][0]
    assert visible_text(pages[0]) == squash("긴 안내" + "나" * 450)


def test_more_than_ten_buttons_continue_on_a_more_page() -> None:
    buttons = [Button(f"동 {i}", f'/inform{{"dong":"{i}"}}') for i in range(15)]
    pages = render_pages(Reply.of("어느 동이세요?", buttons=buttons), WORDS)
    all_pages_valid(pages)
    assert len(pages) == 2
    first, second = (p["template"]["quickReplies"] for p in pages)
    assert len(first) == 10
    assert first[-1]["extra"] == {"minwon_more": "1"}
    offered = [q["extra"]["payload"] for q in first[:-1] + second]
    assert offered == [b.payload for b in buttons]


def test_long_button_title_is_shortened_on_the_label_only() -> None:
    title = "가족관계증명서 상세 발급 안내 보기"
    page = render_pages(Reply.of("고르세요", buttons=[Button(title, "/x")]), WORDS)[0]
    quick = page["template"]["quickReplies"][0]
    assert len(quick["label"]) == 14
    assert quick["label"].endswith("\u2026")
    assert quick["messageText"] == title


def test_link_and_document_are_cards_with_a_web_link_button() -> None:
    reply = Reply(
        parts=(
            Link(
                url="https://www.gov.kr",
                title="정부24에서 온라인으로 발급받을 수 있어요.",
                label="정부24",
            ),
            Document(
                url="http://127.0.0.1:8000/files/receipt.pdf",
                filename="receipt.pdf",
                title="접수증",
            ),
        )
    )
    pages = render_pages(reply, WORDS)
    all_pages_valid(pages)
    link, doc = pages[0]["template"]["outputs"]
    assert link["textCard"]["buttons"] == [
        {"action": "webLink", "label": "정부24", "webLinkUrl": "https://www.gov.kr"}
    ]
    assert doc["textCard"]["description"] == "접수증"
    assert doc["textCard"]["buttons"][0]["webLinkUrl"].endswith("receipt.pdf")


def test_empty_reply_still_answers_with_one_output() -> None:
    pages = render_pages(Reply(), WORDS)
    assert pages == [
        {"version": "2.0", "template": {"outputs": [{"simpleText": {"text": WORDS["received"]}}]}}
    ]


def test_buttons_without_text_get_a_prompt() -> None:
    pages = render_pages(Reply(buttons=(Button("네", "/affirm"),)), WORDS)
    all_pages_valid(pages)
    assert pages[0]["template"]["outputs"][0]["simpleText"]["text"] == WORDS["choose"]


def test_channel_labels_fit_kakao_limits() -> None:
    for key in ("more", "show_answer", "link_label", "document_label"):
        assert 1 <= len(WORDS[key]) <= 14, key


# -- every response the dialogue can say --------------------------------------------------------


def _domain_responses() -> list[tuple[str, dict[str, Any]]]:
    # The domain says the rules' sentences, actions/responses.yml everything actions say.
    files = [ROOT / "domain.yml", ROOT / "actions" / "responses.yml"]
    found: list[tuple[str, dict[str, Any]]] = []
    for path in files:
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            for i, variation in enumerate(variations or []):
                found.append((f"{name}[{i}]", variation))
    return found


DOMAIN_RESPONSES = _domain_responses()


@pytest.mark.skipif(not DOMAIN_RESPONSES, reason="domain.yml has no responses yet")
@pytest.mark.parametrize(
    ("name", "variation"), DOMAIN_RESPONSES, ids=[n for n, _ in DOMAIN_RESPONSES]
)
def test_every_domain_response_renders_within_limits_and_whole(
    name: str, variation: dict[str, Any]
) -> None:
    message = {
        k: v
        for k, v in variation.items()
        if k in {"text", "buttons", "image", "custom", "attachment", "quick_replies"}
    }
    reply = Reply.from_rasa([message])
    assert reply.unknown == (), f"{name}: custom keys no channel renders: {reply.unknown}"
    pages = render_pages(reply, WORDS)
    all_pages_valid(pages)
    shown = "".join(visible_text(p) for p in pages)
    for text in reply.texts:
        assert squash(text) in shown, name
    offered = [
        q.get("extra", {}).get("payload")
        for p in pages
        for q in p["template"].get("quickReplies", [])
    ]
    for button in reply.buttons:
        assert button.payload in offered, name
