"""The base of minwon's pipeline components that learn nothing and keep nothing.

Rasa builds every graph component through ``create`` and hands it the training data to pass on;
a component with no settings and no trained state answers both the same way, so they are here
once instead of in each of them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

_Component = TypeVar("_Component", bound="StatelessComponent")


class StatelessComponent(GraphComponent):
    """A component built without settings, which passes the training data on unchanged."""

    @classmethod
    def create(
        cls: type[_Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _Component:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
