"""bot/sequential_graph.py: Rasa's graphs give what dask gives them, node after node.

A small graph of components like Rasa's (a chain, a fork that joins, an input, a node no target
needs) is run by dask and by the sequential runner with the same inputs and targets. The real
NLU graph is compared on the development set in tests/nlu/test_nlu_accuracy.py, and the policy
graph runs under the server in every end-to-end suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bot import sequential_graph

CALLS: list[str] = []


class Step(GraphComponent):
    """Appends its name to what it is given: the order of calls shows in the result."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> Step:
        return cls(resource.name)

    def add(self, **given: Any) -> list[str]:
        CALLS.append(self.name)
        if "fail" in given.values():
            raise RuntimeError("a node failed")
        seen: list[str] = []
        for key in sorted(given):
            value = given[key]
            seen += value if isinstance(value, list) else [f"{key}={value}"]
        return [*seen, self.name]


def _node(needs: dict[str, str], target: bool = False) -> SchemaNode:
    return SchemaNode(needs=needs, uses=Step, constructor_name="create", fn="add", config={},
                      is_target=target)


SCHEMA = GraphSchema({
    "reader": _node({"text": "__message__"}),
    "left": _node({"first": "reader"}),
    "right": _node({"first": "reader"}),
    "joined": _node({"a": "left", "b": "right"}, target=True),
    "side": _node({"first": "reader"}, target=True),
    "unused": _node({"first": "left"}),
})


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[DaskGraphRunner]:
    storage = LocalModelStorage(tmp_path)
    yield DaskGraphRunner(SCHEMA, storage, ExecutionContext(SCHEMA, "model"))
    sequential_graph.uninstall()


def _both(runner: DaskGraphRunner, **kwargs: Any) -> tuple[Any, list[str], Any, list[str]]:
    sequential_graph.uninstall()
    CALLS.clear()
    dask_result = runner.run(**kwargs)
    dask_calls = sorted(CALLS)
    sequential_graph.install()
    CALLS.clear()
    ours = runner.run(**kwargs)
    return dask_result, dask_calls, ours, sorted(CALLS)


@pytest.mark.parametrize("targets", [None, ["joined"], ["side"], ["left", "unused"]])
def test_the_same_results_from_the_same_nodes_called_once_each(
    runner: DaskGraphRunner, targets: list[str] | None,
) -> None:
    for _ in range(2):  # the second run uses the remembered order
        dask_result, dask_calls, ours, our_calls = _both(
            runner, inputs={"__message__": "등본"}, targets=targets)
        assert ours == dask_result
        assert our_calls == dask_calls
        assert len(our_calls) == len(set(our_calls))


def test_a_missing_input_fails_the_run_with_rasas_error(runner: DaskGraphRunner) -> None:
    errors = []
    for install in (False, True):
        (sequential_graph.install if install else sequential_graph.uninstall)()
        with pytest.raises(GraphRunError) as error:
            runner.run(inputs={}, targets=["side"])
        errors.append(str(error.value))
    assert errors[0] == errors[1]
    assert "Expected input '__message__'" in errors[1]


def test_an_input_of_a_nodes_name_replaces_the_node_as_in_dask(runner: DaskGraphRunner) -> None:
    dask_result, dask_calls, ours, our_calls = _both(
        runner, inputs={"__message__": "등본", "left": "given"}, targets=["joined"])
    assert ours == dask_result
    assert our_calls == dask_calls
    assert "left" not in our_calls


def test_an_input_whose_value_names_a_node_is_refused_as_rasa_refuses_it(
    runner: DaskGraphRunner,
) -> None:
    sequential_graph.install()
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        runner.run(inputs={"__message__": "reader"})


def test_a_failing_node_fails_the_run_with_the_error_dask_gives(runner: DaskGraphRunner) -> None:
    errors = []
    for install in (False, True):
        (sequential_graph.install if install else sequential_graph.uninstall)()
        with pytest.raises(GraphComponentException) as error:
            runner.run(inputs={"__message__": "fail"}, targets=["joined"])
        errors.append((type(error.value), str(error.value), type(error.value.__cause__)))
    assert errors[0] == errors[1]
