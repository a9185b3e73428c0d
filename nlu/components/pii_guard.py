"""Second line of the PII guard: masks resident registration numbers inside the pipeline.

Channels mask RRNs before Rasa stores the text (``nlu.pii.mask_rrn``); this component catches
anything that reached the pipeline another way (the HTTP API's ``/model/parse``, a channel we
did not write) and flags the message with a ``pii_rrn`` entity so the dialogue can tell the
resident that the number is not needed and was not stored. It must be first in the pipeline so
no token, feature or entity is ever built from the number.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
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
from nlu.pii import find_masked_rrns, mask_rrn

PII_ENTITY = "pii_rrn"
PII_VALUE = "masked"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PiiGuard(StatelessComponent):
    """Masks RRNs in the message text and adds a ``pii_rrn`` entity where one was found."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            masked = mask_rrn(text)
            if masked != text:
                message.set(TEXT, masked)
            spans = find_masked_rrns(masked)
            if spans:
                entities = list(message.get(ENTITIES, []))
                entities.extend(
                    {
                        ENTITY_ATTRIBUTE_TYPE: PII_ENTITY,
                        ENTITY_ATTRIBUTE_START: start,
                        ENTITY_ATTRIBUTE_END: end,
                        ENTITY_ATTRIBUTE_VALUE: PII_VALUE,
                        EXTRACTOR: self.__class__.__name__,
                    }
                    for start, end in spans
                )
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
