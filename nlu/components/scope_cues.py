"""A request the classifier could not place, named in the district's own words, is that request.

DIET reads "대량 발급 예약할게요" as out of scope: 예약 comes with 병원 and 식당 in the
out-of-scope examples and rarely with the bulk counter. A message that names the bulk counter's
service in so many words (대량 followed by 발급, 예약, 신청, 접수, 민원, 창구 or 떼다) and that the
classifier put out of scope, or below the fallback threshold, is a bulk-issuance request. Only
those two outcomes change; every in-scope prediction stays as the classifier made it, so a
status question or a cancellation about a bulk reservation keeps its intent. Runs after
FallbackClassifier.
"""

from __future__ import annotations

import re
from typing import Final

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from nlu.components.stateless import StatelessComponent

BULK_INTENT: Final = "request_bulk_issuance"
UNPLACED: Final = frozenset({"out_of_scope", "nlu_fallback"})
BULK_NAMED: Final = re.compile(r"대량\s*(?:으로)?\s*(?:발급|예약|신청|접수|민원|창구|떼|뗄|뗴)")
# what the classifier's fallback threshold must clear; the cue is explicit, not a guess
CUE_CONFIDENCE: Final = 0.9


def names_bulk_issuance(text: str) -> bool:
    return bool(BULK_NAMED.search(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ScopeCues(StatelessComponent):
    """Turns out-of-scope or fallback into request_bulk_issuance when the text names it."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) not in UNPLACED:
                continue
            if not names_bulk_issuance(message.get(TEXT) or ""):
                continue
            cued = {INTENT_NAME_KEY: BULK_INTENT, PREDICTED_CONFIDENCE_KEY: CUE_CONFIDENCE}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get(INTENT_NAME_KEY) != BULK_INTENT]
            message.set(INTENT, cued, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [cued, *ranking], add_to_output=True)
        return messages
