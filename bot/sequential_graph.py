"""Rasa's prediction graphs run node after node in Python, without dask's scheduler around them.

Every parse and every next-action prediction runs a Rasa graph (the NLU pipeline, the policies):
``DaskGraphRunner.run`` recomputes the graph's minimal schema (a recursive walk of every target's
dependencies), builds a dask task graph from it and hands it to ``dask.get``, whose synchronous
scheduler orders, submits and collects each task through its queues. For graphs of ten to twenty
nodes, each called once, that bookkeeping was 9 % of the Rasa process's CPU under load (py-spy,
issue 11). The order of a graph's nodes never changes, so it is worked out once per set of
targets, and each run calls the same ``GraphNode`` objects in that order with the same arguments
dask would pass them: a need that is a node's or an input's name gets its result, as a dask key
does, and anything else is passed as it is. Inputs whose value is a node's name are refused with
Rasa's error, and a ``RuntimeError`` from a node becomes Rasa's ``GraphRunError``.
"""

from __future__ import annotations

import graphlib
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

_ORIGINAL = DaskGraphRunner.__dict__["run"]
_PLANS = "_minwon_plans"


def _plan(runner: DaskGraphRunner, targets: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """The nodes the targets need, each after what it needs, with the names of its needs."""
    plans: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = runner.__dict__.setdefault(
        _PLANS, {})
    key = tuple(targets)
    plan = plans.get(key)
    if plan is None:
        nodes = runner._graph_schema.minimal_graph_schema(targets).nodes
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for name, node in nodes.items():
            sorter.add(name, *(need for need in node.needs.values() if need in nodes))
        plan = [(name, tuple(nodes[name].needs.values())) for name in sorter.static_order()]
        plans[key] = plan
    return plan


def run(self: DaskGraphRunner, inputs: dict[str, Any] | None = None,
        targets: list[str] | None = None) -> dict[str, Any]:
    """``DaskGraphRunner.run``: the same nodes called with the same arguments, in order."""
    run_targets = targets if targets else self._graph_schema.target_names
    plan = _plan(self, run_targets)
    results: dict[str, Any] = {}
    for input_name, input_value in (inputs or {}).items():
        if isinstance(input_value, str) and (
                input_value in results or any(input_value == name for name, _ in plan)):
            raise GraphRunError(
                f"Input value '{input_value}' clashes with a node name. Make sure "
                f"that none of the input names passed to the `run` method are the "
                f"same as node names in the graph schema."
            )
        results[input_name] = (input_name, input_value)
    try:
        for name, needs in plan:
            if name in results:  # an input of a node's name replaces it, as in dask's graph
                continue
            results[name] = self._instantiated_nodes[name](
                *(results[need] if need in results else need for need in needs))
        return dict(results[target] for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


def install() -> None:
    """Runs Rasa's graphs node after node (idempotent)."""
    DaskGraphRunner.run = run  # type: ignore[method-assign]


def uninstall() -> None:
    DaskGraphRunner.run = _ORIGINAL  # type: ignore[method-assign]
