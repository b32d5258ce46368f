"""The Telegram adapter: thin handlers that parse updates, call the engine and render results."""
