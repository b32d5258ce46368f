"""The article quiz & study bot: engine, Telegram adapter and console."""
