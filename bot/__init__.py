"""Rasa input channels (Kakao, Telegram, web chat) and the shared reply model."""
