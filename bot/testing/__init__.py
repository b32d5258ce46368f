"""Fakes shared by the tests and the benchmarks: a fake Telegram Bot API (over HTTP, or an
offline request class), and update factories. Never imported by the bot itself."""
