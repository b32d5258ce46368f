"""``python -m questions check|coverage|export|stats`` — tools for the question bank."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from questions.loader import DEFAULT_ARTICLE, DEFAULT_BANK_DIR, bank_files, load_article, read_bank
from questions.tools import coverage_report, export_csv, export_jsonl


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m questions", description=__doc__)
    parser.add_argument("--bank", type=Path, default=DEFAULT_BANK_DIR, help="bank file or folder")
    parser.add_argument("--article", type=Path, default=DEFAULT_ARTICLE)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="validate the bank against the article (exit 0/1)")
    commands.add_parser("coverage", help="questions per paragraph and unasked sentences")
    export = commands.add_parser("export", help="print the bank as JSONL or CSV")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    commands.add_parser("stats", help="item analysis of the answers stored at DATABASE_URL")
    args = parser.parse_args(argv)

    bank, problems = read_bank(bank_files(args.bank), load_article(args.article))
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        print(problem, file=sys.stderr)
    if errors:
        print(f"{len(errors)} error(s) in the bank", file=sys.stderr)
        return 1
    if args.command == "check":
        warnings = len(problems)
        print(f"ok: {len(bank)} questions, {warnings} warning(s)")
    elif args.command == "stats":
        from questions.answered import print_stats  # noqa: PLC0415 - opens the database

        return print_stats(bank, sys.stdout, sys.stderr)
    elif args.command == "coverage":
        sys.stdout.write(coverage_report(bank))
    else:
        sys.stdout.write(export_jsonl(bank) if args.format == "jsonl" else export_csv(bank))
    return 0


if __name__ == "__main__":
    sys.exit(main())
