"""Hostile bank files are refused quickly with one clear problem each."""

from __future__ import annotations

from pathlib import Path

from questions.loader import MAX_FILE_BYTES, load_article, read_bank


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    _, found = read_bank([path], load_article())
    return [p.message for p in found if p.is_error]


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for name, prev in zip("bcdefghij", "abcdefghi", strict=True):
        rows.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    assert problems(tmp_path, "\n".join(rows)) == ["YAML anchors and aliases are not allowed"]


def test_deep_nesting_is_refused_without_recursion(tmp_path: Path) -> None:
    assert problems(tmp_path, "[" * 100_000 + "]" * 100_000) == ["nested deeper than 4 levels"]


def test_an_oversized_file_is_not_read(tmp_path: Path) -> None:
    found = problems(tmp_path, "# " + "x" * MAX_FILE_BYTES)
    assert found == [f"file is over {MAX_FILE_BYTES // 1024} KiB"]


def test_an_empty_bank_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path, "") == ["the bank has no questions"]
    assert problems(tmp_path, "# only a comment\n") == ["the bank has no questions"]
