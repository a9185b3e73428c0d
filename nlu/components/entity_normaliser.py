"""Sets every contract entity's ``value`` as ``nlu-contract.md`` states.

Rule-based extraction (``nlu.normalise.extract``) finds numbers, dates, phones, documents, dongs
and counts far more reliably than a statistical tagger trained on a few hundred examples, so its
spans win. DIET's spans are kept for what rules cannot know in advance (person names) and as a
fallback for a type the rules did not find, but only when the span normalises to a valid value
in its sentence: a DIET name must pass `judge_statistical_name` (stricter than a cued rule-based
name), a dong stem that is also a common word needs a place cue, a number before an age word is
not a count. The old value of a correction ("김지훈 말고 김지운이요") is dropped whichever
extractor found it, and digits the rules judged and left out (an old number in a correction, a
postcode) are not taken from the tagger either.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from nlu.components.stateless import StatelessComponent
from nlu.normalise.counts import is_age
from nlu.normalise.dongs import judge_dong_span
from nlu.normalise.extract import (
    NUMBER_ENTITIES,
    EntitySpan,
    keep_new_values,
    normalise,
    read_entities,
)
from nlu.normalise.known_words import warm_up as load_dictionary
from nlu.normalise.statistical_names import judge_statistical_name
from nlu.pii import mask_rrn

SEOUL = ZoneInfo("Asia/Seoul")
CONTRACT_ENTITIES = frozenset(
    {
        "document",
        "copies",
        "dong",
        "order_id",
        "phone_number",
        "birth_date",
        "otp_code",
        "person_name",
        "business_number",
        "method",
    }
)
# A tagger's count that is a lone attributive ("두", "세") or counts times ("두 번") is no count.
_NOT_A_COUNT = re.compile(r"^\s*(?:두|세|네|한|석|넉|서|너)\s*$|번")
# Entities the statistical tagger may contribute on its own (rules cannot list every name).
STATISTICAL_FIRST = frozenset({"person_name"})


def seoul_today() -> date:
    return datetime.now(SEOUL).date()


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(
        a[ENTITY_ATTRIBUTE_START] < b[ENTITY_ATTRIBUTE_END]
        and b[ENTITY_ATTRIBUTE_START] < a[ENTITY_ATTRIBUTE_END]
    )


def _judge(text: str, kind: str, entity: dict[str, Any], today: date) -> str | None:
    """The contract value of a span another extractor found, or None when it does not hold up."""
    start, end = entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]
    if not 0 <= start < end <= len(text):
        return None
    if kind == "person_name":
        # Stricter than a cued rule-based name: the tagger has no idea of context.
        return judge_statistical_name(text, start, end)
    if kind == "copies" and (is_age(text, end) or _NOT_A_COUNT.search(text[start:end])):
        # A bare "두" or "세" is a count only as a whole answer, which the rules read; inside a
        # sentence it is "사람두" (도), "72세", "두 번".
        return None
    if kind == "dong":
        return judge_dong_span(text, start, end)
    return normalise(kind, text[start:end], today)


def _without_corrected(text: str, merged: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drops the old value of a correction, whichever extractor found it."""
    spans = [
        EntitySpan(
            e[ENTITY_ATTRIBUTE_TYPE],
            e[ENTITY_ATTRIBUTE_START],
            e[ENTITY_ATTRIBUTE_END],
            text[e[ENTITY_ATTRIBUTE_START] : e[ENTITY_ATTRIBUTE_END]],
            str(e[ENTITY_ATTRIBUTE_VALUE]),
        )
        for e in merged
    ]
    keys = {(s.entity, s.start, s.end) for s in keep_new_values(text, spans)}
    return [
        e
        for e in merged
        if (e[ENTITY_ATTRIBUTE_TYPE], e[ENTITY_ATTRIBUTE_START], e[ENTITY_ATTRIBUTE_END]) in keys
    ]


def merge_entities(
    text: str, found: list[dict[str, Any]], today: date, extractor: str
) -> list[dict[str, Any]]:
    """Combines rule-based entities with those earlier components found; returns the new list."""
    reading = read_entities(text, today)
    rule_based = [
        {
            ENTITY_ATTRIBUTE_TYPE: span.entity,
            ENTITY_ATTRIBUTE_START: span.start,
            ENTITY_ATTRIBUTE_END: span.end,
            ENTITY_ATTRIBUTE_VALUE: span.value,
            EXTRACTOR: extractor,
        }
        for span in reading.entities
    ]
    result = list(rule_based)
    rule_types = {e[ENTITY_ATTRIBUTE_TYPE] for e in rule_based}
    judged_numbers = [
        {ENTITY_ATTRIBUTE_START: s, ENTITY_ATTRIBUTE_END: e}
        for s, e in reading.judged_numbers
    ]
    passthrough: list[dict[str, Any]] = []
    for entity in found:
        kind = entity.get(ENTITY_ATTRIBUTE_TYPE)
        if kind not in CONTRACT_ENTITIES:
            passthrough.append(entity)  # pii_rrn and other flags are not ours to judge
            continue
        if kind in rule_types and kind not in STATISTICAL_FIRST:
            continue
        if any(_overlaps(entity, r) for r in result):
            continue
        if kind in NUMBER_ENTITIES and any(_overlaps(entity, n) for n in judged_numbers):
            # "생년월일 900101 아니라 900110이요": the rules dropped the old number; a tagger's
            # code over the same digits must not bring it back.
            continue
        value = _judge(text, kind, entity, today)
        if value is None:
            continue
        result.append({**entity, ENTITY_ATTRIBUTE_VALUE: value})
    result = _without_corrected(text, result)
    for entity in result:
        # Values are what actions and the tracker keep: never let an RRN ride along in one.
        entity[ENTITY_ATTRIBUTE_VALUE] = mask_rrn(str(entity[ENTITY_ATTRIBUTE_VALUE]))
    result.sort(key=lambda e: (e[ENTITY_ATTRIBUTE_START], e[ENTITY_ATTRIBUTE_END]))
    return passthrough + result


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class KoreanEntityNormaliser(StatelessComponent):
    """Must come after DIET so it can judge and normalise DIET's spans."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KoreanEntityNormaliser:
        load_dictionary()  # names are checked against it; loading takes seconds, once
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        today = seoul_today()
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            merged = merge_entities(
                text, list(message.get(ENTITIES, [])), today, self.__class__.__name__
            )
            message.set(ENTITIES, merged, add_to_output=True)
        return messages
