"""Read the article and the YAML bank (``yaml.safe_load`` semantics, with line marks)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from questions.model import Article, Bank, Question
from questions.validate import Problem, check_bank, check_entry

PACKAGE_DIR = Path(__file__).resolve().parent
MAX_FILE_BYTES = 2 * 1024 * 1024  # the whole bank is ~150 KiB
MAX_DEPTH = 4  # a list of mappings whose values are at most lists
# libyaml's parser when PyYAML was built with it (five times faster on the bank), else Python's;
# both keep line marks and build only plain YAML types.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_ARTICLE = PACKAGE_DIR / "article.txt"
DEFAULT_BANK_DIR = PACKAGE_DIR / "bank"


class BankError(Exception):
    """The bank has errors; ``problems`` lists every one (and any warnings)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        super().__init__(f"question bank has {len(errors)} error(s):\n" + format_problems(errors))


@dataclass(slots=True)
class RawEntry:
    """One YAML mapping of the bank before validation, with the line of each key."""

    file: str
    line: int
    fields: dict[Any, Any]
    key_lines: dict[str, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[str, int]] = field(default_factory=list)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


def format_problems(problems: Iterable[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def load_article(path: Path = DEFAULT_ARTICLE) -> Article:
    return Article.from_text(path.read_text(encoding="utf-8"))


def bank_files(location: Path = DEFAULT_BANK_DIR) -> list[Path]:
    if location.is_dir():
        return sorted(p for p in location.iterdir() if p.suffix in (".yaml", ".yml"))
    return [location]


def _shape_problem(text: str, loader: Any = SAFE_LOADER) -> tuple[int, str] | None:
    """A reason to refuse the YAML before building it: anchors or aliases (the bank needs
    none, and an alias bomb expands exponentially), or nesting deeper than a bank has
    (PyYAML builds nested nodes recursively). Events are read in one linear pass."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return line, "YAML anchors and aliases are not allowed"
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return line, f"nested deeper than {MAX_DEPTH} levels"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        if loader is not yaml.SafeLoader:  # libyaml stops at its own limits: ask Python's
            return _shape_problem(text, yaml.SafeLoader)
        return None  # reported with its line when the file is loaded
    return None


def read_entries(path: Path) -> tuple[list[RawEntry], list[Problem]]:
    """Parse one YAML file into raw entries, reporting syntax and shape problems."""
    name = display_path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return [], [Problem(name, 0, "-", f"file is over {MAX_FILE_BYTES // 1024} KiB")]
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, 0, "-", f"cannot read file: {exc}")]
    refused = _shape_problem(text)
    if refused is not None:
        return [], [Problem(name, refused[0], "-", refused[1])]
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [Problem(name, line, "-", f"YAML syntax error: {problem}")]
    finally:
        loader.dispose()
    if data is None:
        return [], []
    if not isinstance(node, yaml.SequenceNode) or not isinstance(data, list):
        return [], [Problem(name, 1, "-", "the file must be a YAML list of questions")]
    entries: list[RawEntry] = []
    problems: list[Problem] = []
    for item_node, item in zip(node.value, data, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item_node, yaml.MappingNode) or not isinstance(item, dict):
            problems.append(Problem(name, line, "-", "each entry must be a mapping of keys"))
            continue
        entry = RawEntry(name, line, item)
        for key_node, _value_node in item_node.value:
            key = str(key_node.value)
            if key in entry.key_lines:
                entry.duplicate_keys.append((key, key_node.start_mark.line + 1))
            entry.key_lines.setdefault(key, key_node.start_mark.line + 1)
        entries.append(entry)
    return entries, problems


def read_bank(
    paths: Sequence[Path] | None = None, article: Article | None = None
) -> tuple[Bank, list[Problem]]:
    """Read and validate every file; return the valid questions and every problem found."""
    article = article or load_article()
    paths = list(paths) if paths is not None else bank_files()
    problems: list[Problem] = []
    questions: list[Question] = []
    if not paths:
        problems.append(Problem(display_path(DEFAULT_BANK_DIR), 0, "-", "no bank files found"))
    for path in paths:
        entries, file_problems = read_entries(path)
        problems.extend(file_problems)
        for entry in entries:
            question, entry_problems = check_entry(entry, article)
            problems.extend(entry_problems)
            if question is not None:
                questions.append(question)
    problems.extend(check_bank(questions, article))
    if not questions and not any(p.is_error for p in problems):
        where = ", ".join(display_path(p) for p in paths) or display_path(DEFAULT_BANK_DIR)
        problems.append(Problem(where, 0, "-", "the bank has no questions"))
    return Bank(article, tuple(questions)), problems


def load_bank(paths: Sequence[Path] | None = None, article: Article | None = None) -> Bank:
    """Load the bank or raise :class:`BankError` listing every error."""
    bank, problems = read_bank(paths, article)
    if any(p.is_error for p in problems):
        raise BankError(problems)
    return bank


@functools.cache
def load_default_bank() -> Bank:
    """The packaged bank, read and checked once per process (it cannot change under a
    running process; every Application built in it shares the frozen result)."""
    return load_bank()
