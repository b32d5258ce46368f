"""``python -m bot`` runs the bot; ``python -m bot console`` plays in the terminal."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The article quiz bot.")
    parser.add_argument(
        "mode",
        nargs="?",
        default="run",
        choices=("run", "console", "disputes", "dashboard"),
        help="run the bot (default), play in the terminal, list open disputes, or serve the "
        "dashboard",
    )
    parser.add_argument("--questions", type=int, default=10, help="console: questions per round")
    parser.add_argument(
        "--seed", type=int, default=None, help="console: seed the question choice (replayable)"
    )
    study = parser.add_mutually_exclusive_group()
    study.add_argument("--review", action="store_true", help="console: review due cards")
    study.add_argument("--progress", action="store_true", help="console: show the mastery map")
    args = parser.parse_args(argv)
    from bot.run import run_bot, run_console, run_disputes  # noqa: PLC0415 - keep --help fast

    if args.mode == "console":
        activity = "review" if args.review else "progress" if args.progress else "quiz"
        return run_console(activity, max(1, min(args.questions, 50)), args.seed)
    if args.mode == "disputes":
        return run_disputes()
    if args.mode == "dashboard":
        from bot.dashboard.serve import run_dashboard  # noqa: PLC0415

        return run_dashboard()
    return run_bot()


if __name__ == "__main__":
    sys.exit(main())
