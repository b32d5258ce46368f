"""The validator's rules, each shown failing on a small broken bank; the real bank passes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from questions import validate
from questions.loader import BankError, load_article, load_bank, read_bank
from questions.model import Article, Bank
from questions.tools import coverage_report, export_csv, export_jsonl

GOOD = """\
- id: sochi-summit-plea
  paragraph: 3
  topic: russia
  difficulty: 2
  question: "Where did Lukashenka plead with Putin for more help?"
  options: ["In Sochi", "In Minsk", "In Kyiv", "In Moscow"]
  answer: 0
  explanation: "He pleaded for help at his latest summit meeting in Sochi. (¶3)"
  quote: "his latest summit meeting in Sochi, during which he pleaded for additional assistance"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    _, problems = read_bank([write(tmp_path, text)], load_article())
    return [str(p) for p in problems if p.is_error]


def test_good_entry_loads(tmp_path: Path) -> None:
    bank = load_bank([write(tmp_path, GOOD)])
    assert [q.id for q in bank.questions] == ["sochi-summit-plea"]
    assert bank.questions[0].paragraphs == (3,)


@pytest.mark.parametrize(
    ("change", "expected_line", "message"),
    [
        (("Sochi, during which", "Sochi during which"), 9, "quote is not verbatim in ¶3"),
        (("paragraph: 3", "paragraph: 4"), 9, "quote is in ¶3, not in the cited ¶4"),
        (("answer: 0", "answer: 4"), 7, "answer must be an option index from 0 to 3"),
        (("difficulty: 2", "difficulty: 2\n  hint: x"), 5, "unknown key 'hint'"),
        (("paragraph: 3", "paragraph: 31"), 2, "¶31 is page furniture"),
        (("paragraph: 3", "paragraph: 40"), 2, "¶40 is out of range"),
        (("topic: russia", "topic: sport"), 3, "topic 'sport' is not one of"),
        (('"In Kyiv"', '"In Minsk"'), 6, "duplicate option 'In Minsk'"),
        (("(¶3)", ""), 8, "explanation must end with its paragraph reference"),
        (('"In Moscow"]', '"In Moscow", "' + "x" * 101 + '"]'), 6, "101 characters; limit 100"),
        (
            ("Where did", "W" * 300 + " Where did"),
            5,
            "question is 353 characters; the limit is 300",
        ),
        (("He pleaded", "x" * 200 + " He pleaded"), 8, "the limit is 200"),
        (
            ('["In Sochi", "In Minsk", "In Kyiv", "In Moscow"]', '["In Sochi"]'),
            6,
            "1 options; a quiz has 2 to 10",
        ),
        (("  quote:", "  topic: russia\n  quote:"), 9, "key 'topic' appears twice"),
    ],
)
def test_each_rule_reports_file_line_id(
    tmp_path: Path, change: tuple[str, str], expected_line: int, message: str
) -> None:
    found = problems_of(tmp_path, GOOD.replace(*change))
    [hit] = [p for p in found if message in p] or [found]
    assert f"bank.yaml:{expected_line}: sochi-summit-plea: " in hit, found


def test_duplicate_id_and_near_duplicate_question(tmp_path: Path) -> None:
    twin = GOOD.replace("Where did Lukashenka", "WHERE did lukashenka,")
    found = problems_of(tmp_path, GOOD + twin)
    assert any(":10: sochi-summit-plea: duplicate id (first at" in p for p in found), found
    assert any("near-duplicate of question sochi-summit-plea" in p for p in found), found


def test_missing_keys_and_every_error_at_once(tmp_path: Path) -> None:
    broken = GOOD.replace("  topic: russia\n", "").replace("answer: 0", "answer: 9")
    other = GOOD.replace("sochi-summit-plea", "second-one").replace("paragraph: 3", "paragraph: 0")
    found = problems_of(tmp_path, broken + other)
    assert any("sochi-summit-plea: missing key 'topic'" in p for p in found)
    assert any("second-one: ¶0 is out of range" in p for p in found)


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    found = problems_of(tmp_path, GOOD + "- id: [unclosed\n  paragraph: 3\n")
    assert len(found) == 1
    assert ":11: -: YAML syntax error" in found[0] or ":12: -: YAML syntax error" in found[0]


def test_bank_error_lists_problems(tmp_path: Path) -> None:
    with pytest.raises(BankError) as info:
        load_bank([write(tmp_path, GOOD.replace("paragraph: 3", "paragraph: 5"))])
    assert "sochi-summit-plea: quote is in ¶3" in str(info.value)


# sha256 of ../shared/article.txt, the article the bank is written from: checked in every
# clone, including those with no ../shared beside them.
ARTICLE_SHA256 = "e1b39ae889d7824f9bc51e51484128af6d1913e5c32bd461f7697890978ec8d9"


def test_article_copy_is_byte_identical_and_numbered() -> None:
    ours = Path("questions/article.txt").read_bytes()
    assert hashlib.sha256(ours).hexdigest() == ARTICLE_SHA256
    shared = Path(__file__).resolve().parents[2] / "shared" / "article.txt"
    if shared.exists():  # where the shared copy is at hand, compare with it too
        assert ours == shared.read_bytes()
    article = Article.from_text(ours.decode())
    assert article.body_count == 28
    assert article.author_line == 29
    assert article.paragraph(29).startswith("Vladislav Davidzon is a")
    assert article.is_furniture(30)


def test_real_bank_passes_with_full_coverage(bank: Bank) -> None:
    _, problems = read_bank()
    assert [str(p) for p in problems] == []
    assert len(bank) >= 140
    for number in range(1, bank.article.body_count + 1):
        assert len(bank.for_paragraph(number)) >= 3, number
    assert set(bank.topics()) <= {
        "protests",
        "diplomacy",
        "russia",
        "security",
        "crimea",
        "minsk-talks",
        "economy",
        "people",
    }
    assert {q.difficulty for q in bank.questions} == {1, 2, 3}


def test_cli_check_and_export_jsonl_quotes_are_substrings(bank: Bank) -> None:
    check = subprocess.run(
        [sys.executable, "-m", "questions", "check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr
    assert f"ok: {len(bank)} questions" in check.stdout
    export = subprocess.run(
        [sys.executable, "-m", "questions", "export", "--format", "jsonl"],
        capture_output=True,
        text=True,
        check=True,
    )
    records = [json.loads(line) for line in export.stdout.splitlines()]
    assert len(records) == len(bank)
    for record in records:
        assert list(record) == [
            "id",
            "paragraphs",
            "topic",
            "difficulty",
            "question",
            "options",
            "answer",
            "explanation",
            "quote",
        ]
        cited = [bank.article.paragraph(n) for n in record["paragraphs"]]
        assert any(record["quote"] in text for text in cited), record["id"]
        assert isinstance(record["answer"], int)


def test_cli_check_fails_on_a_broken_bank(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("paragraph: 3", "paragraph: 4"))
    result = subprocess.run(
        [sys.executable, "-m", "questions", "--bank", str(path), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "bank.yaml:9: sochi-summit-plea: quote is in ¶3" in result.stderr


def test_csv_export_and_coverage(bank: Bank) -> None:
    rows = export_csv(bank).splitlines()
    assert rows[0].startswith("id,paragraphs,topic,difficulty,question,option_1")
    assert len(rows) >= len(bank) + 1
    assert export_jsonl(bank).count("\n") == len(bank)
    report = coverage_report(bank)
    assert "Sentences no quote touches" in report
    assert "<3" not in report


def test_warnings_for_thin_paragraphs_and_longest_answers(tmp_path: Path) -> None:
    _, problems = read_bank([write(tmp_path, GOOD)], load_article())
    warnings = [str(p) for p in problems if not p.is_error]
    assert any("¶1 has 0 question(s)" in w for w in warnings)
    long_answer = GOOD.replace('"In Sochi"', '"In the Black Sea resort of Sochi"')
    _, problems = read_bank([write(tmp_path, long_answer)], load_article())
    assert any("correct option is the longest in 100%" in str(p) for p in problems)


GIVER = """\
- id: plea-true-false
  paragraph: 3
  topic: russia
  difficulty: 1
  question: "True or false: Lukashenka pleaded with Putin for more help at his summit in Sochi."
  options: ["True", "False"]
  answer: 0
  explanation: "True. He pleaded for additional assistance. (¶3)"
  quote: "he pleaded for additional assistance from Russian President Vladimir Putin"
"""


def test_stem_that_states_another_key_is_an_error(tmp_path: Path) -> None:
    found = problems_of(tmp_path, GOOD + "\n" + GIVER)
    [hit] = found
    assert ":11: plea-true-false: stem gives away the answer of sochi-summit-plea (" in hit
    assert hit.endswith("bank.yaml:1)")


def test_option_that_states_another_key_is_an_error(tmp_path: Path) -> None:
    lister = (
        GIVER.replace("plea-true-false", "summit-list")
        .replace(
            "True or false: Lukashenka pleaded with Putin for more help at his summit in Sochi.",
            "Which of these does the article report?",
        )
        .replace(
            '["True", "False"]',
            '["He pleaded with Putin for more help in Sochi", "He met Latushka", "He resigned"]',
        )
    )
    found = problems_of(tmp_path, GOOD + "\n" + lister)
    assert len(found) == 1, found
    assert (
        "summit-list: option 1 ('He pleaded with Putin for more help in Sochi') gives away"
        in (found[0])
    )


def test_key_word_without_the_same_subject_is_no_giveaway(tmp_path: Path) -> None:
    other = GIVER.replace(
        "Lukashenka pleaded with Putin for more help at his summit in Sochi.",
        "the article names Sochi.",
    )
    assert problems_of(tmp_path, GOOD + "\n" + other) == []


def test_accepted_giveaway_needs_overlapping_quotes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        validate, "ACCEPTED_GIVEAWAYS", frozenset({("plea-true-false", "sochi-summit-plea")})
    )
    # The two quotes share "he pleaded for additional assistance": never in one round.
    assert problems_of(tmp_path, GOOD + "\n" + GIVER) == []
    apart = GIVER.replace(
        "he pleaded for additional assistance from Russian President Vladimir Putin",
        "Russian President Vladimir Putin",
    )
    [hit] = problems_of(tmp_path, GOOD + "\n" + apart)
    assert "plea-true-false: stem gives away the answer of sochi-summit-plea" in hit


def true_false_bank(keys: str) -> str:
    """One True/False question per letter of ``keys`` (T or F), each on ¶3."""
    entries = [
        GIVER.replace("plea-true-false", f"statement-{n}")
        .replace(
            "Lukashenka pleaded with Putin for more help at his summit in Sochi.",
            f"claim {n}.",
        )
        .replace("answer: 0", f"answer: {0 if key == 'T' else 1}")
        for n, key in enumerate(keys)
    ]
    return "\n".join(entries)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("FFFFF", "True/False keys are 0 True : 5 False (0 % True); keep 40–60 % True"),
        ("TTTTF", "True/False keys are 4 True : 1 False (80 % True); keep 40–60 % True"),
        ("TFFFFF", "True/False keys are 1 True : 5 False (17 % True); keep 40–60 % True"),
        ("TTFFF", None),  # 40 %
        ("TTTFF", None),  # 60 %
        ("FFFF", None),  # fewer than 5 True/False questions: no balance rule
    ],
)
def test_true_false_keys_stay_balanced(tmp_path: Path, keys: str, expected: str | None) -> None:
    found = problems_of(tmp_path, true_false_bank(keys))
    if expected is None:
        assert found == []
    else:
        [hit] = found
        assert hit.endswith(f":0: -: {expected}"), hit


def test_real_bank_true_false_keys_are_balanced(bank: Bank) -> None:
    keys = [q.correct_option for q in bank.questions if q.is_true_false]
    assert len(keys) >= 5
    assert 0.40 <= keys.count("True") / len(keys) <= 0.60
