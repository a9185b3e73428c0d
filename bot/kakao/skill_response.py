"""Render a ``Reply`` as Kakao SkillResponse 2.0 pages, within every limit of the format.

Limits (protocols.md §1.3, Kakao ``skill_guide/answer_json_format``): 1-3 outputs per response,
at most 10 quick replies, ``simpleText`` up to 1000 characters, ``textCard`` title up to 50 and
title+description up to 400, at most 3 card buttons (vertical), button and quick-reply labels up
to 14 characters, ``altText`` up to 50.

Nothing is cut silently: consecutive texts are merged into as few bubbles as fit; a text too long
for one bubble is split at a paragraph, line, sentence or word boundary; a card too long for a
``textCard`` becomes text; what does not fit into one response goes to further pages, which the
channel serves when the resident presses the "more" quick reply. A label longer than its limit is
shortened with an ellipsis, but the quick reply still sends the full title as ``messageText`` and
the Rasa payload in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.reply import Button, Card, Document, Image, Link, Reply, Text

MAX_OUTPUTS = 3
MAX_QUICK_REPLIES = 10
MAX_SIMPLE_TEXT = 1000
MAX_CARD_TITLE = 50
MAX_CARD_TOTAL = 400  # title + description of a single (non-carousel) textCard
MAX_CARD_BUTTONS = 3
MAX_LABEL = 14  # button and quick-reply label; buttons stack vertically so 14, not 8
MAX_ALT_TEXT = 50

EXTRA_PAYLOAD = "payload"  # quick reply extra key carrying the Rasa payload
EXTRA_MORE = "minwon_more"  # quick reply extra key meaning "serve the next stored page"

Component = dict[str, Any]


def fit(text: str, limit: int) -> str:
    """Return ``text`` shortened to ``limit`` characters with an ellipsis when it is longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def split_text(text: str, limit: int = MAX_SIMPLE_TEXT) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters at the best boundary found."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", "? ", "! ", " "):
            pos = window.rfind(sep)
            if pos >= limit // 3:
                cut = pos + len(sep)
                break
        if cut <= 0:
            cut = limit  # one unbroken run of characters: a hard cut loses nothing either
        chunks.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        chunks.append(rest)
    return chunks


def more_quick_reply(label: str) -> Component:
    return {
        "label": fit(label, MAX_LABEL),
        "action": "message",
        "messageText": label,
        "extra": {EXTRA_MORE: "1"},
    }


def button_quick_reply(button: Button) -> Component:
    """A button as a quick reply: the label is echoed as the resident's words, the payload rides
    in ``extra`` and comes back as ``action.clientExtra`` on the next turn."""
    return {
        "label": fit(button.title, MAX_LABEL),
        "action": "message",
        "messageText": button.title,
        "extra": {EXTRA_PAYLOAD: button.payload},
    }


def simple_text(text: str) -> Component:
    return {"simpleText": {"text": text}}


def _link_card(description: str, label: str, url: str) -> list[Component]:
    button = {"action": "webLink", "label": fit(label, MAX_LABEL), "webLinkUrl": url}
    if len(description) <= MAX_CARD_TOTAL:
        return [{"textCard": {"description": description, "buttons": [button]}}]
    # a description that does not fit the card goes before it as text, whole
    return [*(simple_text(c) for c in split_text(description)), _link_only(label, url)]


def _link_only(label: str, url: str) -> Component:
    button = {"action": "webLink", "label": fit(label, MAX_LABEL), "webLinkUrl": url}
    return {"textCard": {"description": fit(label, MAX_CARD_TOTAL), "buttons": [button]}}


def _card(card: Card) -> list[Component]:
    body = card.body()
    title = card.title
    if len(title) <= MAX_CARD_TITLE and len(title) + len(body) <= MAX_CARD_TOTAL:
        text_card: dict[str, Any] = {}
        if title:
            text_card["title"] = title
        if body:
            text_card["description"] = body
        if text_card:
            return [{"textCard": text_card}]
        return []
    # too long for a card: the same words as text bubbles
    whole = "\n".join(p for p in (title, body) if p)
    return [simple_text(c) for c in split_text(whole)]


def _components(reply: Reply, words: Mapping[str, str]) -> list[Component]:
    """Turn the reply's parts into Kakao components, merging neighbouring texts into bubbles."""
    out: list[Component] = []
    pending_text: list[str] = []

    def flush() -> None:
        bubble = ""
        for chunk in (c for t in pending_text for c in split_text(t)):
            joined = f"{bubble}\n\n{chunk}" if bubble else chunk
            if len(joined) <= MAX_SIMPLE_TEXT:
                bubble = joined
            else:
                out.append(simple_text(bubble))
                bubble = chunk
        if bubble:
            out.append(simple_text(bubble))
        pending_text.clear()

    for part in reply.parts:
        if isinstance(part, Text):
            pending_text.append(part.text)
            continue
        if isinstance(part, Card):
            rendered = _card(part)
            if rendered and "simpleText" in rendered[0]:
                pending_text.extend(c["simpleText"]["text"] for c in rendered)
                continue
            flush()
            out.extend(rendered)
        elif isinstance(part, Link):
            flush()
            out.extend(_link_card(part.title, part.label or words["link_label"], part.url))
        elif isinstance(part, Document):
            flush()
            description = part.title or part.filename or words["document_label"]
            out.extend(_link_card(description, words["document_label"], part.url))
        elif isinstance(part, Image):
            flush()
            alt = fit(words["image_alt"], MAX_ALT_TEXT)
            out.append({"simpleImage": {"imageUrl": part.url, "altText": alt}})
    flush()
    return out


def _response(outputs: list[Component], quick: list[Component]) -> dict[str, Any]:
    template: dict[str, Any] = {"outputs": outputs}
    if quick:
        template["quickReplies"] = quick
    return {"version": "2.0", "template": template}


def render_pages(reply: Reply, words: Mapping[str, str]) -> list[dict[str, Any]]:
    """Render ``reply`` as one or more SkillResponses, each within every limit.

    Every page but the last ends with a "more" quick reply; the reply's buttons go on the last
    page (further pages if there are more than fit). ``words`` holds the channel's own labels
    (``bot/kakao/texts.yml`` keys ``more``, ``more_choices``, ``choose``, ``received``,
    ``link_label``, ``document_label``, ``image_alt``).
    """
    components = _components(reply, words)
    if not components and not reply.buttons:
        components = [simple_text(words["received"])]
    more = more_quick_reply(words["more"])

    pages: list[tuple[list[Component], list[Component]]] = []
    for start in range(0, len(components), MAX_OUTPUTS):
        pages.append((components[start : start + MAX_OUTPUTS], [more]))

    buttons = [button_quick_reply(b) for b in reply.buttons]
    if not pages:  # buttons without any words before them
        pages.append(([simple_text(words["choose"])], [more]))
    first = True
    while buttons or first:
        if not first:
            pages.append(([simple_text(words["more_choices"])], [more]))
        outputs, _ = pages[-1]
        if len(buttons) <= MAX_QUICK_REPLIES:
            pages[-1] = (outputs, buttons)
            buttons = []
        else:
            pages[-1] = (outputs, [*buttons[: MAX_QUICK_REPLIES - 1], more])
            buttons = buttons[MAX_QUICK_REPLIES - 1 :]
        first = False
    return [_response(outputs, quick) for outputs, quick in pages]


def use_callback_response(wait_text: str) -> dict[str, Any]:
    """The immediate answer that tells Kakao the final answer comes via ``callbackUrl``."""
    return {"version": "2.0", "useCallback": True, "data": {"text": wait_text}}
