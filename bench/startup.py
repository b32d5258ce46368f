"""Start-up: bank load and validation time; process memory after start and with many users.

Run as ``python -m bench.startup USERS`` it is the probe process: it starts the Application
(offline requests), prints its RSS, makes USERS users known to the bot, prints RSS again.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import Row, Stopwatch, median, rss_mib
from questions.loader import read_bank


def bank_load_row(repeats: int = 5) -> Row:
    timings = []
    for _ in range(repeats):
        with Stopwatch() as watch:
            bank, problems = read_bank()
        timings.append(watch.seconds)
    seconds = median(timings)
    return Row(
        f"Start-up: load and validate the bank ({len(bank)} questions)",
        f"{seconds * 1000:.0f} ms (median of {repeats})",
        "target 500 ms",
        seconds / 0.5,
        "< 0.5 s",
        seconds < 0.5 and not [p for p in problems if p.is_error],
    )


async def _probe(users: int) -> dict[str, float]:
    from bench.app import start_bot, stop_bot  # noqa: PLC0415 - measured start-up
    from bot.engine.views import Player  # noqa: PLC0415
    from bot.telegram.services import services_of  # noqa: PLC0415
    from tests.fakeapi import FakeBotApi  # noqa: PLC0415

    before = rss_mib()
    with tempfile.TemporaryDirectory() as tmp:
        app = await start_bot(FakeBotApi(), Path(tmp) / "rss.sqlite3")
        started = rss_mib()
        engine = services_of(app).quiz
        for first in range(1, users + 1, 1000):
            await asyncio.gather(
                *(
                    engine.touch_player(Player(uid, f"Player number {uid}"))
                    for uid in range(first, min(first + 1000, users + 1))
                )
            )
        loaded = rss_mib()
        await stop_bot(app)
    return {"before": before, "started": started, "loaded": loaded}


def memory_row(users: int) -> Row:
    result = subprocess.run(
        [sys.executable, "-m", "bench.startup", str(users)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    rss = json.loads(result.stdout.strip().splitlines()[-1])
    return Row(
        f"Process RSS after start / with {users:,} users",
        f"{rss['started']:.0f} MiB after start, {rss['loaded']:.0f} MiB with {users:,} users",
        f"{rss['before']:.0f} MiB Python with the bot's imports, before start",
        None,
        "report",
        None,
    )


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_probe(int(sys.argv[1])))))
