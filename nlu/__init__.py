"""Korean NLU for minwon: Rasa components (nlu.components), pure normalisers (nlu.normalise)
and the resident-registration-number guard (nlu.pii)."""
