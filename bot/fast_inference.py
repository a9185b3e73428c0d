"""The server's parse and next-action prediction with less Python around the same arithmetic.

Five changes to how Rasa 3.6 runs its graphs, none to what they compute (issue 11):
``bot.combined_features`` combines a message's sparse features once, in one stack, for the
three components that read them; ``bot.direct_predict`` runs DIET's compiled prediction graph
without ``tf.function``'s per-call argument handling; ``bot.sequential_graph`` calls a graph's
nodes in order instead of through dask's scheduler; ``bot.rule_lookup`` finds RulePolicy's
fitting rules from an index built once; ``bot.fake_features`` makes DIET's stand-ins for absent
attributes without deep-copying a message's features. The first two take about a quarter of a
parse's CPU away (300 development sentences, three rounds back to back: 20-22 ms without,
15 ms with them, on this project's busy 2-core machine). The Rasa server installs them
(``bot/rasa_server.py``), and so does the NLU evaluation (``scripts/evaluate_nlu.py``), so the
accuracy CI asserts is that of the code the server runs; ``tests/nlu/test_nlu_accuracy.py``
checks that a parse with them equals Rasa's own, intent ranking and entities alike.
"""

from __future__ import annotations

from bot import combined_features, direct_predict, fake_features, rule_lookup, sequential_graph

_PARTS = (combined_features, direct_predict, sequential_graph, rule_lookup, fake_features)


def install() -> None:
    for part in _PARTS:
        part.install()


def uninstall() -> None:
    for part in _PARTS:
        part.uninstall()
