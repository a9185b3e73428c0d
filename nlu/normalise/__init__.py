"""Pure normalisers: Korean text in, an `nlu-contract.md` entity value (or None) out.

Nothing here imports Rasa, so channels, actions and tests can use the same rules.

- `extract.extract_entities(text, today)`: every contract entity in a message, with exact spans;
  `extract.normalise(entity, raw, today)`: the contract value of a span another extractor found.
- One module per entity: `documents`, `counts` (copies), `dongs`, `order_ids`, `phone`, `dates`
  (birth_date), `otp`, `person_names`, `business_numbers`, `methods` (the way of getting a document); `statistical_names` judges a name
  span DIET proposed, more strictly than a cued rule-based one.
- Shared readers: `spoken_digits` (digit syllables, Sino-Korean and native numbers) and
  `digit_runs` (numbers inside free text, shared with the PII guard in `nlu.pii`).
"""
