"""The benchmarks run (figures are read in bench/results.md, never asserted on here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_quick_bench_runs_and_writes_its_table(tmp_path: Path) -> None:
    output = tmp_path / "results.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    table = output.read_text()
    for name in (
        "Answer throughput",
        "Storage write path",
        "own rank",
        "Latency",
        "load and validate",
        "RSS",
        "Reminder run",
    ):
        assert name in table
    assert table.count("\n| ") >= 12
