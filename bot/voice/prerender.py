"""The prompts a call can hear that never change: rendered to audio at start (bot/voice/tts.py).

They are the ``channel: voice`` variations without variables, of the domain's responses and of
the action server's catalogue (actions/responses.yml), and the voice line's own sentences
(bot/voice/texts.yml), each as the caller hears it (``for_ear``). Prompts with a caller's values
(an order number, a masked address) are rendered when first said.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from bot.voice.call import TEXTS_FILE, VOICE
from bot.voice.spoken_korean import for_ear

ROOT: Final = Path(__file__).resolve().parents[2]
CATALOG_FILE: Final = ROOT / "actions" / "responses.yml"
DOMAIN_FILE: Final = ROOT / "domain.yml"


def voice_variations(responses: Mapping[str, Any]) -> dict[str, list[str]]:
    """Texts of the ``channel: voice`` variations of each response that has any."""
    found: dict[str, list[str]] = {}
    for name, variations in responses.items():
        for variation in variations or []:
            if isinstance(variation, Mapping) and variation.get("channel") == VOICE:
                text = variation.get("text")
                if isinstance(text, str) and text.strip():
                    found.setdefault(str(name), []).append(text.strip())
    return found


def all_responses(domain: Any = None) -> dict[str, Any]:
    """The domain's responses (the loaded domain, else domain.yml) and the action catalogue's."""
    responses = getattr(domain, "responses", None)
    if not isinstance(responses, Mapping):
        responses = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")).get("responses", {})
    catalog = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8")).get("responses", {})
    return {**dict(responses), **catalog}


def fixed_voice_texts(domain: Any = None) -> list[str]:
    """Every prompt a caller can hear that has no variable, as spoken (module docstring)."""
    texts: list[str] = []
    for variations in voice_variations(all_responses(domain)).values():
        texts.extend(for_ear(t) for t in variations if "{" not in t and "[" not in t)
    own = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    texts.extend(for_ear(str(v)) for k, v in own.items() if not str(k).endswith("_words"))
    return list(dict.fromkeys(t for t in texts if t))
