"""Checks a SkillResponse 2.0 against the format's schema and limits (protocols.md §1.3-1.4)."""

from __future__ import annotations

from typing import Any

COMPONENTS = {
    "simpleText",
    "simpleImage",
    "textCard",
    "basicCard",
    "listCard",
    "itemCard",
    "commerceCard",
    "carousel",
}
BUTTON_ACTIONS = {"webLink", "message", "phone", "block", "share", "operator"}


def _no_nulls(value: Any, path: str, problems: list[str]) -> None:
    if value is None:
        problems.append(f"{path} is null")
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_nulls(v, f"{path}.{k}", problems)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_nulls(v, f"{path}[{i}]", problems)


def _button(b: Any, path: str, problems: list[str]) -> None:
    if not isinstance(b, dict):
        problems.append(f"{path} not an object")
        return
    label = b.get("label")
    if not isinstance(label, str) or not 1 <= len(label) <= 14:
        problems.append(f"{path}.label length {len(label) if isinstance(label, str) else label}")
    action = b.get("action")
    if action not in BUTTON_ACTIONS:
        problems.append(f"{path}.action {action!r}")
    if action == "webLink" and not str(b.get("webLinkUrl", "")).startswith(("http://", "https://")):
        problems.append(f"{path}.webLinkUrl missing")
    if action == "block" and not b.get("blockId"):
        problems.append(f"{path}.blockId missing")
    if action == "phone" and not b.get("phoneNumber"):
        problems.append(f"{path}.phoneNumber missing")


def skill_response_problems(resp: Any) -> list[str]:
    """Return every way ``resp`` breaks the SkillResponse 2.0 format; empty when valid."""
    problems: list[str] = []
    if not isinstance(resp, dict):
        return ["response is not an object"]
    _no_nulls(resp, "$", problems)
    if resp.get("version") != "2.0":
        problems.append("version must be '2.0'")
    if resp.get("useCallback") is True:
        if "data" in resp and not isinstance(resp["data"], dict):
            problems.append("data must be an object")
        return problems
    template = resp.get("template")
    if not isinstance(template, dict):
        return [*problems, "template missing"]
    outputs = template.get("outputs")
    if not isinstance(outputs, list) or not 1 <= len(outputs) <= 3:
        problems.append(f"outputs must hold 1-3 components, got {outputs!r:.80}")
        outputs = outputs if isinstance(outputs, list) else []
    for i, comp in enumerate(outputs):
        path = f"outputs[{i}]"
        if not isinstance(comp, dict) or len(comp) != 1 or next(iter(comp)) not in COMPONENTS:
            problems.append(f"{path} is not one known component")
            continue
        kind, body = next(iter(comp.items()))
        if kind == "simpleText":
            text = body.get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= 1000:
                problems.append(f"{path}.simpleText.text length {len(text or '')}")
        elif kind == "simpleImage":
            if not body.get("imageUrl"):
                problems.append(f"{path}.simpleImage.imageUrl missing")
            if len(body.get("altText", "")) > 50:
                problems.append(f"{path}.simpleImage.altText too long")
        elif kind == "textCard":
            title, desc = body.get("title", ""), body.get("description", "")
            if not title and not desc:
                problems.append(f"{path}.textCard needs title or description")
            if len(title) > 50:
                problems.append(f"{path}.textCard.title length {len(title)}")
            if len(title) + len(desc) > 400:
                problems.append(
                    f"{path}.textCard title+description length {len(title) + len(desc)}"
                )
            buttons = body.get("buttons", [])
            if len(buttons) > 3:
                problems.append(f"{path}.textCard has {len(buttons)} buttons")
            for j, b in enumerate(buttons):
                _button(b, f"{path}.textCard.buttons[{j}]", problems)
        else:
            problems.append(f"{path}: {kind} is not produced by this bot")
    quick = template.get("quickReplies", [])
    if not isinstance(quick, list) or len(quick) > 10:
        problems.append(f"quickReplies must hold at most 10, got {len(quick)}")
        quick = []
    for i, q in enumerate(quick):
        path = f"quickReplies[{i}]"
        label = q.get("label")
        if not isinstance(label, str) or not 1 <= len(label) <= 14:
            problems.append(f"{path}.label length {len(label or '')}")
        if q.get("action") not in {"message", "block"}:
            problems.append(f"{path}.action {q.get('action')!r}")
        if q.get("action") == "block" and not q.get("blockId"):
            problems.append(f"{path}.blockId missing")
        if "extra" in q and not isinstance(q["extra"], dict):
            problems.append(f"{path}.extra must be an object")
    return problems


def visible_text(resp: dict[str, Any]) -> str:
    """All words a resident can read in a response, without whitespace (to prove no loss)."""
    parts: list[str] = []
    for comp in resp.get("template", {}).get("outputs", []):
        for body in comp.values():
            for key in ("text", "title", "description"):
                if isinstance(body.get(key), str):
                    parts.append(body[key])
    return "".join("".join(parts).split())
