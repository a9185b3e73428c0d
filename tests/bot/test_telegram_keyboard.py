"""Limits of bot/telegram/keyboard.py: callback ids, text splitting, render order."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.reply import Button, Card, Document, Link, Reply, Text
from bot.telegram.keyboard import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_TEXT,
    CallbackStore,
    is_public_url,
    render,
    split_text,
    to_inline_keyboard,
)

ROOT = Path(__file__).resolve().parents[2]
WORDS = yaml.safe_load((ROOT / "bot/telegram/texts.yml").read_text(encoding="utf-8"))


async def test_long_korean_payload_gets_a_short_id_that_maps_back() -> None:
    store = CallbackStore()
    payload = '/inform{"document":"주민등록표등본","dong":"신당5동","copies":"3","method":"kiosk"}'
    assert len(payload.encode()) > MAX_CALLBACK_DATA_BYTES
    keyboard = to_inline_keyboard([Button("등본", payload)], store)
    data = keyboard.inline_keyboard[0][0].callback_data
    assert isinstance(data, str)
    assert len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    assert await store.get(data) == payload
    await store.save()
    assert await store.get(data) == payload


async def test_same_payload_same_id_and_store_is_bounded() -> None:
    store = CallbackStore(max_size=2)
    first = store.put("/a")
    assert store.put("/a") == first
    await store.save()
    store.put("/b")
    await store.save()
    store.put("/c")
    await store.save()
    assert await store.get(first) is None  # least recently used went out
    assert await store.get(CallbackStore.id_for("/c")) == "/c"


def test_short_titles_share_rows_long_titles_get_their_own() -> None:
    store = CallbackStore()
    short = to_inline_keyboard([Button("네", "/affirm"), Button("아니요", "/deny")], store)
    assert [len(r) for r in short.inline_keyboard] == [2]
    long = to_inline_keyboard(
        [Button("무인발급기(24시간)", "/k"), Button("주민센터 창구에서 받기", "/c")], store
    )
    assert [len(r) for r in long.inline_keyboard] == [1, 1]


def test_text_over_4096_characters_is_split_without_loss() -> None:
    text = "\n".join(f"{i}번째 줄의 안내 문장이에요." for i in range(400))
    chunks = split_text(text)
    assert len(chunks) >= 2
    assert all(len(c) <= MAX_TEXT for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_render_keeps_order_and_puts_buttons_on_the_last_text() -> None:
    store = CallbackStore()
    reply = Reply(
        parts=(
            Text("신청 내용을 확인해 주세요."),
            Card(title="신청 내용", fields=(("서류", "주민등록표 등본"),)),
            Text("이대로 신청할까요?"),
        ),
        buttons=(Button("네, 신청할게요", "/affirm"),),
    )
    sends = render(reply, store, WORDS)
    assert [s.text for s in sends] == [
        "신청 내용을 확인해 주세요.",
        "신청 내용\n서류: 주민등록표 등본",
        "이대로 신청할까요?",
    ]
    assert sends[-1].keyboard is not None
    assert all(s.keyboard is None for s in sends[:-1])


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://www.gov.kr", True),
        ("http://127.0.0.1:8000/x.pdf", False),
        ("http://localhost/x", False),
        ("http://10.1.2.3/x", False),
        ("ftp://example.org/x", False),
    ],
)
def test_public_url_detection(url: str, public: bool) -> None:
    assert is_public_url(url) is public


def test_link_to_a_public_site_is_a_url_button_local_link_is_text() -> None:
    store = CallbackStore()
    public = render(Reply(parts=(Link("https://www.gov.kr", "정부24", "열기"),)), store, WORDS)
    assert public[0].keyboard is not None
    assert public[0].keyboard.inline_keyboard[0][0].url == "https://www.gov.kr"
    local = render(Reply(parts=(Link("http://127.0.0.1:8000/r", "영수증"),)), store, WORDS)
    assert local[0].text == "영수증\nhttp://127.0.0.1:8000/r"


def test_document_is_its_own_send() -> None:
    sends = render(
        Reply(parts=(Document("http://127.0.0.1/f.pdf", "f.pdf", "접수증"),)),
        CallbackStore(),
        WORDS,
    )
    assert [(s.kind, s.text, s.filename) for s in sends] == [("document", "접수증", "f.pdf")]


def test_buttons_without_text_get_a_prompt() -> None:
    sends = render(Reply(buttons=(Button("네", "/affirm"),)), CallbackStore(), WORDS)
    assert sends[0].text == WORDS["choose"]


def _domain_responses() -> list[tuple[str, dict[str, object]]]:
    # The domain says the rules' sentences, actions/responses.yml everything actions say.
    found: list[tuple[str, dict[str, object]]] = []
    for path in (ROOT / "domain.yml", ROOT / "actions" / "responses.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found += [
            (f"{name}[{i}]", variation)
            for name, variations in (data.get("responses") or {}).items()
            for i, variation in enumerate(variations or [])
        ]
    return found


DOMAIN_RESPONSES = _domain_responses()


@pytest.mark.skipif(not DOMAIN_RESPONSES, reason="domain.yml has no responses yet")
@pytest.mark.parametrize(
    ("name", "variation"), DOMAIN_RESPONSES, ids=[n for n, _ in DOMAIN_RESPONSES]
)
async def test_every_domain_response_renders_within_telegram_limits(
    name: str, variation: dict[str, object]
) -> None:
    store = CallbackStore()
    reply = Reply.from_rasa([variation])
    sends = render(reply, store, WORDS)
    assert sends, name
    shown = "".join("".join(s.text for s in sends).split())
    for text in reply.texts:
        assert "".join(text.split()) in shown, name
    pressed = []
    for send in sends:
        assert 1 <= len(send.text) <= MAX_TEXT or send.kind != "text", name
        for row in send.keyboard.inline_keyboard if send.keyboard else ():
            assert len(row) <= 8
            for button in row:
                if button.callback_data is not None:
                    data = str(button.callback_data)
                    assert len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
                    pressed.append(await store.get(data))
    assert pressed == [b.payload for b in reply.buttons], name
