"""Which questions may not share a round: overlapping quotes and giveaways, on small hand-made
sets and on the real bank."""

from __future__ import annotations

import time

from questions.loader import load_default_bank
from questions.model import Article, Bank, Question
from questions.overlap import (
    Giveaway,
    conflicts,
    giveaways,
    quote_overlaps,
    quote_spans,
    stem,
    words,
)

ARTICLE = Article.from_text(
    "Alpha met Bravo in Sochi in May, and they talked about the harbour.\n\n"
    "Prior to the war, Charlie and Delta regularly exchanged weather reports.\n\n"
    "The harbour was closed in winter. Later the harbour reopened for fishing boats.\n"
)


def make(
    qid: str,
    paragraph: int,
    question: str,
    options: tuple[str, ...],
    answer: int,
    quote: str,
) -> Question:
    return Question(
        id=qid,
        paragraphs=(paragraph,),
        topic="diplomacy",
        difficulty=1,
        question=question,
        options=options,
        answer=answer,
        explanation=f"See the article. (¶{paragraph})",
        quote=quote,
        source=f"test.yaml:{paragraph}",
    )


WHERE = make(
    "where-they-met",
    1,
    "Where did Alpha meet Bravo?",
    ("In Sochi", "In Minsk", "In Kyiv", "In Moscow"),
    0,
    "Alpha met Bravo in Sochi",
)
WHEN = make(
    "when-they-met",
    1,
    "In which month did Alpha and Bravo meet?",
    ("March", "May", "June", "July"),
    1,
    "Alpha met Bravo in Sochi in May",
)
TOPIC = make(
    "what-they-discussed",
    1,
    "What did Alpha and Bravo talk about?",
    ("The harbour", "The weather", "The war", "The boats"),
    0,
    "they talked about the harbour",
)
HOW_OFTEN = make(
    "how-often-exchanged",
    2,
    "How often did Charlie and Delta exchange weather reports?",
    ("Rarely", "Regularly", "Once", "Never"),
    1,
    "Charlie and Delta regularly exchanged weather reports",
)
WHEN_EXCHANGED = make(
    "when-exchanged",
    2,
    "Before the war, how did Charlie and Delta share weather reports?",
    ("By exchanging them", "By selling them", "By hiding them", "By burning them"),
    0,
    "exchanged weather reports",
)


def test_words_normalise_case_quotes_and_endings() -> None:
    assert words("Kyiv’s REGULARLY exchanged, the reports") == words(
        "kyiv regular exchange report"
    )
    assert stem("sided") == stem("side")
    assert stem("proxies") == "proxy"
    assert "the" not in words("The the THE")
    assert words("Café") == words("cafe")


def test_quote_spans_locate_each_occurrence() -> None:
    assert quote_spans(WHERE, ARTICLE) == {1: [(0, 24)]}
    harbour = make("h", 3, "Q?", ("a", "b"), 0, "the harbour")
    assert quote_spans(harbour, ARTICLE) == {3: [(40, 51)]}
    twice = make("h2", 3, "Q?", ("a", "b"), 0, "harbour")
    assert quote_spans(twice, ARTICLE) == {3: [(4, 11), (44, 51)]}
    missing = make("m", 1, "Q?", ("a", "b"), 0, "not in the article")
    assert quote_spans(missing, ARTICLE) == {}


def test_quote_running_across_cited_paragraphs() -> None:
    across = Question(
        id="across",
        paragraphs=(1, 2),
        topic="diplomacy",
        difficulty=1,
        question="Q?",
        options=("a", "b"),
        answer=0,
        explanation="x (¶1, ¶2)",
        quote="about the harbour.\n\nPrior to the war",
    )
    spans = quote_spans(across, ARTICLE)
    end = len(ARTICLE.paragraph(1))
    assert spans[1] == [(end - len("about the harbour."), end)]
    assert spans[2] == [(0, len("Prior to the war"))]
    conflict = conflicts([across, HOW_OFTEN, TOPIC], ARTICLE)
    assert conflict["across"] == {"what-they-discussed"}
    assert conflict["how-often-exchanged"] == frozenset()


def test_overlapping_quotes_conflict_both_ways() -> None:
    result = conflicts([WHERE, WHEN, TOPIC], ARTICLE)
    assert result["where-they-met"] == {"when-they-met"}  # one quote contains the other
    assert result["when-they-met"] == {"where-they-met"}
    assert result["what-they-discussed"] == frozenset()  # same sentence, separate words


def test_same_words_in_another_paragraph_do_not_overlap() -> None:
    first = make("first", 1, "Q1?", ("a", "b"), 0, "the harbour")
    third = make("third", 3, "Q3?", ("a", "b"), 0, "the harbour")
    assert quote_overlaps([first, third], ARTICLE) == []


def test_touching_quotes_do_not_overlap() -> None:
    left = make("left", 1, "Q1?", ("a", "b"), 0, "Alpha met Bravo")
    right = make("right", 1, "Q2?", ("a", "b"), 0, " in Sochi")
    assert quote_overlaps([left, right], ARTICLE) == []


def test_stem_that_states_another_key_is_a_giveaway() -> None:
    leak = make(
        "leaky-true-false",
        3,
        "True or false: after Alpha met Bravo in Sochi, the harbour closed in winter.",
        ("True", "False"),
        0,
        "The harbour was closed in winter.",
    )
    found = giveaways([WHERE, leak], ARTICLE)
    assert found == [Giveaway(giver=1, receiver=0, where="stem")]
    assert conflicts([WHERE, leak], ARTICLE)["where-they-met"] == {"leaky-true-false"}


def test_option_that_states_another_key_is_a_giveaway() -> None:
    lister = make(
        "lister",
        3,
        "Which of these does the article mention?",
        ("Weather reports exchanged regularly", "A bridge", "A tunnel", "A tower"),
        0,
        "harbour",
    )
    assert giveaways([HOW_OFTEN, lister], ARTICLE) == [
        Giveaway(giver=1, receiver=0, where="option 1")
    ]


def test_key_words_alone_without_the_same_subject_are_no_giveaway() -> None:
    # "Sochi" appears, but nothing about Alpha meeting Bravo: not a giveaway.
    elsewhere = make(
        "elsewhere",
        3,
        "Was the harbour in Sochi closed in winter?",
        ("True", "False"),
        0,
        "The harbour was closed in winter.",
    )
    # A stem that matches a distractor as well as the key points nowhere.
    both = make(
        "both",
        3,
        "Did Alpha meet Bravo in Sochi or in Minsk?",
        ("Yes", "No", "Maybe"),
        0,
        "fishing boats",
    )
    assert giveaways([WHERE, elsewhere, both], ARTICLE) == []
    assert conflicts([WHERE, elsewhere, both], ARTICLE) == {
        "where-they-met": frozenset(),
        "elsewhere": frozenset(),
        "both": frozenset(),
    }


def test_stem_that_restates_a_true_false_quote_gives_it_away() -> None:
    statement = make(
        "closed-in-winter",
        3,
        "True or false: the harbour stayed open all year.",
        ("True", "False"),
        1,
        "The harbour was closed in winter.",
    )
    restating = make(
        "reopened",
        3,
        "The harbour was closed in winter; what did it later reopen for?",
        ("Fishing boats", "Ferries", "Warships", "Yachts"),
        0,
        "Later the harbour reopened for fishing boats.",
    )
    found = giveaways([statement, restating], ARTICLE)
    assert Giveaway(giver=1, receiver=0, where="stem") in found


def test_explanations_count_for_rounds_only() -> None:
    telling = Question(
        id="telling",
        paragraphs=(3,),
        topic="diplomacy",
        difficulty=1,
        question="What happened to the harbour in winter?",
        options=("It closed", "It froze", "It flooded", "It moved"),
        answer=0,
        explanation="It closed in winter; earlier Charlie and Delta regularly exchanged reports.",
        quote="The harbour was closed in winter.",
    )
    assert giveaways([HOW_OFTEN, telling], ARTICLE) == []
    assert giveaways([HOW_OFTEN, telling], ARTICLE, explanations=True) == [
        Giveaway(giver=1, receiver=0, where="explanation")
    ]
    assert conflicts([HOW_OFTEN, telling], ARTICLE)["how-often-exchanged"] == {"telling"}


def test_no_self_conflict_and_duplicate_ids_are_harmless() -> None:
    result = conflicts([WHERE, WHERE, WHEN], ARTICLE)
    assert "where-they-met" not in result["where-they-met"]
    assert result["where-they-met"] == {"when-they-met"}


def test_conflicts_do_not_depend_on_order() -> None:
    items = [WHERE, WHEN, TOPIC, HOW_OFTEN, WHEN_EXCHANGED]
    assert dict(conflicts(items, ARTICLE)) == dict(conflicts(items[::-1], ARTICLE))


def test_real_bank_conflicts_are_symmetric_irreflexive_and_fast(bank: Bank) -> None:
    best = float("inf")
    for _ in range(3):
        words.cache_clear()
        stem.cache_clear()
        started = time.perf_counter()
        result = conflicts(bank.questions, bank.article)
        best = min(best, time.perf_counter() - started)
    ids = {q.id for q in bank.questions}
    assert set(result) == ids
    for qid, others in result.items():
        assert qid not in others
        assert others <= ids
        for other in others:
            assert qid in result[other], (qid, other)
    assert best < 0.25  # the design target is < 50 ms; generous for slow CI machines
    # Rounds stay easy to fill: few questions are tied to many others.
    assert max(len(v) for v in result.values()) <= 8


def test_real_bank_overlaps_are_in_conflicts() -> None:
    bank = load_default_bank()
    result = conflicts(bank.questions, bank.article)
    pairs = quote_overlaps(bank.questions, bank.article)
    assert pairs, "the bank has questions on the same passage"
    for a, b in pairs:
        assert bank.questions[b].id in result[bank.questions[a].id]
    # Known pairs from the bank: same passage, and a restated answer kept apart.
    assert "electricity-purchases-continued" in result["grievances-not-electricity"]
    assert "intelligence-exchange-content" in result["intelligence-exchange-period"]
