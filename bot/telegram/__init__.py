"""Telegram channel on python-telegram-bot's Bot and Update (not Rasa's aiogram one)."""
