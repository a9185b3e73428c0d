"""Pure normalisers: Korean text in, an `nlu-contract.md` entity value (or None) out.

Nothing here imports Rasa, so channels, actions and tests can use the same rules.
"""
