"""The server's parse with less Python around the same arithmetic (issue 11).

Two changes to how Rasa 3.6 runs a parse, neither to what it computes:
``bot.combined_features`` combines a message's sparse features once, in one stack, for the
three components that read them, and ``bot.direct_predict`` runs DIET's compiled prediction
graph without ``tf.function``'s per-call argument handling. Together they take about a quarter
of a parse's CPU away (300 development sentences, three rounds back to back: 20-22 ms without,
15 ms with them, on this project's busy 2-core machine). The Rasa server installs them
(``bot/rasa_server.py``), and so does the NLU evaluation (``scripts/evaluate_nlu.py``), so the
accuracy CI asserts is that of the code the server runs; ``tests/nlu/test_nlu_accuracy.py``
checks that a parse with them equals Rasa's own, intent ranking and entities alike.
"""

from __future__ import annotations

from bot import combined_features, direct_predict


def install() -> None:
    combined_features.install()
    direct_predict.install()


def uninstall() -> None:
    combined_features.uninstall()
    direct_predict.uninstall()
