"""Keeps the intent ranking of the classifier before it, for a vote over several classifiers.

DIET's misses on text it never saw depend on its random initialisation (held-out intent 0.943 to
0.968 across seeds). Two DIETs trained from different seeds on the same features, with their
rankings averaged, err less often than either: the stash saves the first one's ranking before the
second overwrites it, and ``LinearIntentVote`` averages every stashed ranking with the last one.
"""

from __future__ import annotations

from typing import Any, Final

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from nlu.components.stateless import StatelessComponent

STASHED_RANKINGS: Final = "minwon_stashed_intent_rankings"


def stash_ranking(message: Message) -> None:
    ranking = message.get(INTENT_RANKING_KEY)
    if ranking:
        message.set(STASHED_RANKINGS, [*(message.get(STASHED_RANKINGS) or []), list(ranking)])


def stashed_rankings(message: Message) -> list[list[dict[str, Any]]]:
    return list(message.get(STASHED_RANKINGS) or [])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentRankingStash(StatelessComponent):
    """Saves the current intent ranking under ``STASHED_RANKINGS``; changes nothing else."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            stash_ranking(message)
        return messages
