"""Start-up and memory: loading and checking the bank; the process's resident memory after
start and after many players have played (state lives in the database, so it should not
grow with the number of players).

``python -m bench.startup PLAYERS`` is the probe process (a fresh interpreter, so the figure
is the bot's alone): it prints its RSS as JSON.
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

GROWTH_LIMIT_MIB = 64.0


def bank_load_row(repeats: int = 5) -> Row:
    timings = []
    for _ in range(repeats):
        with Stopwatch() as watch:
            bank, problems = read_bank()
        timings.append(watch.seconds)
    seconds = median(timings)
    return Row(
        f"Start-up: load and check the bank ({len(bank)} questions)",
        f"{seconds * 1000:.0f} ms (median of {repeats})",
        "—",
        None,
        "< 1 s, no problems",
        seconds < 1 and not [p for p in problems if p.is_error],
    )


async def _probe(players: int) -> dict[str, float]:
    from bench.harness import answer_taps, open_rounds, running_bot  # noqa: PLC0415

    before = rss_mib()
    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(f"sqlite:///{Path(tmp) / 'rss.sqlite3'}") as bot:
            started = rss_mib()
            for first in range(1, players + 1, 1000):
                users = range(first, min(first + 1000, players + 1))
                taps = answer_taps(await open_rounds(bot.quiz, users), first_update_id=first * 10)
                bot.finish.expected += len(taps)
                await bot.feed(taps)
                await bot.finish.done.wait()
                bot.finish.done.clear()
            played = rss_mib()
    return {"before": before, "started": started, "played": played}


def memory_row(players: int) -> Row:
    result = subprocess.run(
        [sys.executable, "-m", "bench.startup", str(players)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    rss = json.loads(result.stdout.strip().splitlines()[-1])
    growth = rss["played"] - rss["started"]
    return Row(
        f"Process memory (RSS) before and after {players:,} players answered 10 questions",
        f"{rss['started']:.0f} MiB after start, {rss['played']:.0f} MiB after "
        f"{players * 10:,} answers (+{growth:.0f} MiB)",
        f"{rss['before']:.0f} MiB with the bot's modules imported",
        None,
        f"growth < {GROWTH_LIMIT_MIB:.0f} MiB",
        growth < GROWTH_LIMIT_MIB,
    )


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_probe(int(sys.argv[1])))))
