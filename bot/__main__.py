"""``python -m bot`` runs the bot; ``python -m bot console`` plays in the terminal."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The article quiz bot.")
    parser.add_argument(
        "mode", nargs="?", default="run", choices=("run", "console"), help="default: run"
    )
    parser.add_argument("--questions", type=int, default=10, help="console: questions per round")
    args = parser.parse_args(argv)
    from bot.run import run_bot, run_console  # noqa: PLC0415 - keep --help fast

    if args.mode == "console":
        return run_console(args.questions)
    return run_bot()


if __name__ == "__main__":
    sys.exit(main())
