"""``python -m bench [--quick]``: every speed and memory target of the bot, each figure beside
a baseline measured in the same run.

A full run writes the table to ``bench/results.md`` (or ``--output``) and exits 1 when a row
misses its target. A quick run (small sizes, a minute or two) prints the table and writes
nothing unless ``--output`` is given; its exit code also reports misses.

PostgreSQL rows use ``BENCH_DATABASE_URL`` (else ``TEST_DATABASE_URL``, else
``postgresql://postgres@127.0.0.1:5432/test``) to create scratch databases; without a
server they are reported as not run, which counts as a miss.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row, machine
from bench.harness import postgres_server
from bench.latency import flood_latency, latency_at
from bench.outbound import reminder_run
from bench.scaleout import webhook_workers
from bench.scoreboard import postgres_boards, sqlite_boards
from bench.startup import bank_load_row, memory_row
from bench.storage_write import postgres_write_path, sqlite_write_path
from bench.throughput import answer_throughput

RESULTS = Path(__file__).with_name("results.md")


@dataclass(frozen=True)
class Sizes:
    players: int
    repeats: int
    latency_seconds: float
    writes: int
    board_players: int
    board_repeats: int
    rss_players: int
    reminder_players: int
    fleet_players: int


QUICK = Sizes(200, 1, 2, 2_000, 50_000, 30, 1_000, 60, 100)
FULL = Sizes(500, 3, 10, 20_000, 1_000_000, 200, 20_000, 1_000, 500)


async def run(sizes: Sizes) -> list[Row]:
    rows = [await answer_throughput(sizes.players, sizes.repeats)]
    rows.append(await latency_at(500, sizes.latency_seconds, sizes.players))
    rows.append(await flood_latency(50, 25, sizes.latency_seconds))
    rows.append(await sqlite_write_path(sizes.writes))
    rows += await sqlite_boards(sizes.board_players, sizes.board_repeats)
    async with postgres_server() as server:
        rows.append(
            await postgres_write_path(None if server is None else server.fresh(), sizes.writes)
        )
        rows += await postgres_boards(
            None if server is None else server.fresh(), sizes.board_players, sizes.board_repeats
        )
        rows.append(await webhook_workers(server, sizes.fleet_players))
    rows.append(await reminder_run(sizes.reminder_players))
    rows.append(bank_load_row())
    rows.append(memory_row(sizes.rss_players))
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | figure | baseline (same run) | ratio | target | result |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(
            f"| {row.name} | {row.figure} | {row.baseline} | {ratio} | {row.target} | "
            f"{row.verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes; writes no file")
    parser.add_argument("--output", type=Path, help="markdown file to write the table to")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = asyncio.run(run(QUICK if args.quick else FULL))
    took = time.perf_counter() - started
    kind = "quick" if args.quick else "full"
    misses = [row for row in rows if row.ok is False]
    report = "\n".join(
        [
            f"# Benchmarks ({kind} run, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
            "",
            f"Machine: {machine()}. Took {took:.0f} s. "
            + (f"**{len(misses)} row(s) missed.**" if misses else "Every target met."),
            "",
            table(rows),
            "",
        ]
    )
    print(report)
    output = args.output or (None if args.quick else RESULTS)
    if output is not None:
        output.write_text(report, encoding="utf-8")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
