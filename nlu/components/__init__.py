"""Rasa 3.6 graph components for Korean; thin wrappers over the pure modules in ``nlu``."""
