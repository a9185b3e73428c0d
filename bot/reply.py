"""One channel-neutral model of what the bot says in a turn.

Rasa's output channels hand us message dicts (``text``, ``buttons``, ``image``, ``attachment``,
``custom``). ``Reply.from_rasa`` folds a turn's dicts into one ``Reply``; each channel has one pure
serialiser from ``Reply`` to its wire format (``bot/kakao/skill_response.py``,
``bot/telegram/keyboard.py``, the web chat page). A new response (``domain.yml`` or ``actions/responses.yml``) therefore works
on every channel without channel-specific copies of dialogue logic.

Rich parts come from a response's ``custom`` payload (the convention is in ``docs/channels.md``)::

    custom: {card: {title, description?, fields?: [{label, value}]}}
    custom: {link: {url, title, label?}}
    custom: {document: {url, filename?, title?}}

The order of text, cards, links and documents is kept (``Reply.parts``), because an order summary
card must sit between "here is your order" and "shall I submit it?".

A channel's own words (Kakao's wait notice, Telegram's "stickers are not read") are
``utter_channel_<channel>_<key>`` responses when the dialogue defines them, else the channel's small
YAML file: ``ChannelTexts`` looks them up in that order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Button:
    title: str  # label shown to the resident, from domain.yml
    payload: str  # what Rasa receives when pressed, e.g. '/choose_way{"way":"kiosk"}'


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Card:
    """A titled summary, e.g. an order before submission. ``fields`` are (label, value) rows."""

    title: str
    description: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    def body(self) -> str:
        """Return the description followed by one ``label: value`` line per field."""
        lines = [f"{label}: {value}" if label else value for label, value in self.fields]
        return "\n".join(part for part in (self.description, "\n".join(lines)) if part)


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    title: str
    label: str = ""  # short button label; channels fall back to their own default


@dataclass(frozen=True, slots=True)
class Document:
    url: str
    filename: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    url: str


Part = Text | Card | Link | Document | Image


@dataclass(frozen=True, slots=True)
class Reply:
    """Everything the bot says in one turn, in order, plus the buttons offered after it."""

    parts: tuple[Part, ...] = ()
    buttons: tuple[Button, ...] = ()
    # custom payload keys no serialiser knows; kept so a test can prove nothing vanished
    unknown: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, *texts: str, buttons: Iterable[Button] = ()) -> Reply:
        """Build a text-only reply (tests, channel notices)."""
        return cls(parts=tuple(Text(t) for t in texts if t), buttons=tuple(buttons))

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(p.text for p in self.parts if isinstance(p, Text))

    @property
    def cards(self) -> tuple[Card, ...]:
        return tuple(p for p in self.parts if isinstance(p, Card))

    @property
    def is_empty(self) -> bool:
        return not self.parts and not self.buttons

    def then(self, later: Reply) -> Reply:
        """Concatenate two replies; only the later one's buttons still make sense."""
        return Reply(
            parts=self.parts + later.parts,
            buttons=later.buttons or self.buttons,
            unknown=self.unknown + later.unknown,
        )

    @classmethod
    def from_rasa(cls, messages: Iterable[Mapping[str, Any]]) -> Reply:
        """Fold Rasa's collected message dicts (one turn) into one Reply.

        Buttons from every message are offered together at the end, as every channel shows them
        below the last bubble. Unknown ``custom`` keys are logged and listed in ``unknown``.
        """
        parts: list[Part] = []
        buttons: list[Button] = []
        unknown: list[str] = []
        for message in messages:
            text = message.get("text")
            if isinstance(text, str) and text.strip():
                parts.append(Text(text.strip()))
            image = message.get("image")
            if isinstance(image, str) and image:
                parts.append(Image(image))
            attachment = message.get("attachment")
            if attachment:
                parts.extend(_attachment_parts(attachment))
            for raw in list(message.get("buttons") or []) + list(
                message.get("quick_replies") or []
            ):
                button = _button(raw)
                if button is not None:
                    buttons.append(button)
            custom = message.get("custom")
            if isinstance(custom, Mapping):
                parsed, rest = _custom_parts(custom)
                parts.extend(parsed)
                unknown.extend(rest)
        if unknown:
            logger.warning("reply_unknown_custom_keys", extra={"keys": sorted(set(unknown))})
        return cls(parts=tuple(parts), buttons=tuple(buttons), unknown=tuple(unknown))


def _button(raw: Any) -> Button | None:
    if not isinstance(raw, Mapping):
        return None
    title = str(raw.get("title") or "").strip()
    payload = str(raw.get("payload") or "").strip()
    if not title and not payload:
        return None
    return Button(title=title or payload, payload=payload or title)


def _attachment_parts(attachment: Any) -> list[Part]:
    if isinstance(attachment, str):
        return [Document(url=attachment, filename=attachment.rsplit("/", 1)[-1])]
    if isinstance(attachment, Mapping):
        payload = attachment.get("payload")
        url = attachment.get("url") or (payload.get("src") if isinstance(payload, Mapping) else "")
        if attachment.get("type") == "image" and url:
            return [Image(str(url))]
        if url:
            return [Document(url=str(url), filename=str(attachment.get("filename") or ""))]
    logger.warning("reply_unreadable_attachment")
    return []


def _custom_parts(custom: Mapping[str, Any]) -> tuple[list[Part], list[str]]:
    parts: list[Part] = []
    unknown: list[str] = []
    for key, value in custom.items():
        if key == "card" and isinstance(value, Mapping):
            parts.append(_card(value))
        elif key == "link" and isinstance(value, Mapping) and value.get("url"):
            parts.append(
                Link(
                    url=str(value["url"]),
                    title=str(value.get("title") or value["url"]),
                    label=str(value.get("label") or ""),
                )
            )
        elif key == "document" and isinstance(value, Mapping) and value.get("url"):
            parts.append(
                Document(
                    url=str(value["url"]),
                    filename=str(value.get("filename") or ""),
                    title=str(value.get("title") or ""),
                )
            )
        elif key == "text" and isinstance(value, str) and value.strip():
            parts.append(Text(value.strip()))
        else:
            unknown.append(str(key))
    return parts, unknown


def _card(value: Mapping[str, Any]) -> Card:
    rows: list[tuple[str, str]] = []
    for raw in value.get("fields") or []:
        if isinstance(raw, Mapping):
            rows.append((str(raw.get("label") or ""), str(raw.get("value") or "")))
        elif isinstance(raw, (list, tuple)) and len(raw) == 2:
            rows.append((str(raw[0]), str(raw[1])))
        elif raw is not None:
            rows.append(("", str(raw)))
    return Card(
        title=str(value.get("title") or "").strip(),
        description=str(value.get("description") or "").strip(),
        fields=tuple(rows),
    )


class ChannelTexts:
    """A channel's own words: ``utter_channel_<channel>_<key>`` in the domain, else a YAML file.

    The YAML file maps ``key`` to a Korean sentence. The domain wins so that the dialogue engineer
    can reword a notice without touching ``bot/``.
    """

    def __init__(self, channel: str, defaults: Mapping[str, str]) -> None:
        self.channel = channel
        self._defaults = dict(defaults)

    @classmethod
    def from_yaml(cls, channel: str, path: Path) -> ChannelTexts:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        return cls(channel, {str(k): str(v) for k, v in data.items()})

    def get(self, key: str, domain: Any = None) -> str:
        """Return the sentence for ``key``; ``domain`` is a Rasa ``Domain`` or ``None``."""
        from_domain = _domain_text(domain, f"utter_channel_{self.channel}_{key}")
        if from_domain:
            return from_domain
        return self._defaults[key]

    def names(self) -> list[str]:
        return sorted(self._defaults)


def _domain_text(domain: Any, name: str) -> str:
    responses = getattr(domain, "responses", None)
    if not isinstance(responses, Mapping):
        return ""
    for variation in responses.get(name) or []:
        if isinstance(variation, Mapping) and not variation.get("condition"):
            text = variation.get("text")
            if isinstance(text, str) and text.strip():
                return text.strip()
    return ""


def domain_of(app: Any) -> Any:
    """Return the loaded Rasa domain of a Sanic app, or ``None`` (unit tests, model loading)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    return getattr(agent, "domain", None)
