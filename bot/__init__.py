"""The article quiz & study bot: engine, Telegram adapter and console."""

import os

# Opt in to python-telegram-bot's future timedelta durations now (we never read them as ints);
# this also silences its deprecation warning when the rate limiter handles a 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
