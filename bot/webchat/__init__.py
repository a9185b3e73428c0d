"""Local web chat: a self-contained page and its JSON endpoint, served by Rasa."""
