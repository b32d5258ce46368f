"""``python -m bench [--quick]``: every performance figure as a ratio against a baseline
measured in the same run, printed as a markdown table and written to bench/results.md."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row, machine
from bench.outbound import reminder_run
from bench.scoreboard import scoreboards
from bench.startup import bank_load_row, memory_row
from bench.storage_write import storage_write
from bench.throughput import answer_throughput, latency_under_load

RESULTS = Path(__file__).with_name("results.md")


@dataclass(frozen=True)
class Sizes:
    users: int
    updates: int
    latency_seconds: float
    writes: int
    board_users: int
    board_answers: int
    board_repeats: int
    rss_users: int
    reminder_users: int


QUICK = Sizes(200, 2_000, 2, 2_000, 50_000, 100_000, 100, 5_000, 100)
FULL = Sizes(2_000, 20_000, 10, 20_000, 1_000_000, 20_000_000, 500, 100_000, 10_000)


async def run(sizes: Sizes) -> list[Row]:
    rows: list[Row] = []
    throughput, _ = await answer_throughput(sizes.users, sizes.updates)
    rows.append(throughput)
    rows.append(await storage_write(sizes.writes, max(1, sizes.writes // 10)))
    rows += await scoreboards(sizes.board_users, sizes.board_answers, sizes.board_repeats)
    rows.append(await latency_under_load(sizes.users, 1000, sizes.latency_seconds))
    rows.append(bank_load_row())
    rows.append(memory_row(sizes.rss_users))
    rows.append(await reminder_run(sizes.reminder_users))
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | figure | baseline | ratio | target | result |",
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
    parser.add_argument("--quick", action="store_true", help="small sizes, under 30 s")
    parser.add_argument("--output", type=Path, default=RESULTS, help="markdown file to write")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = asyncio.run(run(QUICK if args.quick else FULL))
    took = time.perf_counter() - started
    kind = "quick" if args.quick else "full"
    report = "\n".join(
        [
            f"# Benchmarks ({kind} run, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
            "",
            f"Machine: {machine()}. Took {took:.0f} s.",
            "",
            table(rows),
            "",
        ]
    )
    print(report)
    args.output.write_text(report, encoding="utf-8")
    return 0  # a MISS is a finding to read in the table, not a failure of the run


if __name__ == "__main__":
    sys.exit(main())
