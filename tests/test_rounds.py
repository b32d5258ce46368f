"""Property tests of the round builder (bot/engine/rounds.py) on the real bank and its real
conflicts (questions/overlap.py), for random seeds, sizes 1-50, pools and seen sets.

What is asserted, for ``chosen = choose_questions(pool, seen, size, Random(seed), conflicts)``
in the order the round asks them:

1. **No conflicts**: no two questions of the round conflict, none appears twice, all come from
   the pool, and there are at most ``size``. The round is as full as conflicts allow: if it
   has fewer than ``size`` questions, every pool question left out conflicts with one in it.
2. **Unseen first**: every unseen question of the round comes before every seen one, and a
   seen question is in the round only if every unseen question of the pool is in the round or
   conflicts with a question in it.
3. **Spread**: a question cites a paragraph an earlier question of the round already cites
   only when no question was left that (a) has the same seen-status, (b) is not in the round
   yet, (c) conflicts with no earlier question of the round, and (d) cites only paragraphs no
   earlier question cites. Consequently (asserted separately): with nothing of the pool
   seen (or all of it), if ``size <= F - E``, no paragraph is cited twice in the round, where
   F is the number of paragraphs with a pool question that cites that paragraph alone and
   conflicts with no other pool question, and E is the number of extra paragraphs the pool's
   multi-paragraph questions cite (a question on n paragraphs adds n - 1).
4. **Reproducible**: the same seed gives the same round.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.engine.rounds import choose_questions, option_order
from questions.loader import load_default_bank
from questions.model import Question
from questions.overlap import conflicts

BANK = load_default_bank()
CONFLICTS = conflicts(BANK.questions, BANK.article)
IDS = [q.id for q in BANK.questions]
PARAGRAPHS = sorted({n for q in BANK.questions for n in q.paragraphs})

pools = st.one_of(
    st.just(("bank", "")),
    st.tuples(st.just("topic"), st.sampled_from(sorted(BANK.topics()))),
    st.tuples(st.just("paragraph"), st.sampled_from([str(n) for n in PARAGRAPHS])),
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pool_of(kind: str, name: str) -> tuple[Question, ...]:
    if kind == "topic":
        return BANK.for_topic(name)
    if kind == "paragraph":
        return BANK.for_paragraph(int(name))
    return BANK.questions


def clash(a: Question, b: Question, table: Mapping[str, frozenset[str]] = CONFLICTS) -> bool:
    return b.id in table.get(a.id, frozenset()) or a.id in table.get(b.id, frozenset())


def blocked_ids(chosen: Sequence[Question]) -> set[str]:
    """Ids of the questions that conflict with one of ``chosen``."""
    return {i for c in chosen for i in CONFLICTS.get(c.id, ())}


def build(pool: Sequence[Question], seen: set[str], size: int, seed: int) -> list[Question]:
    return choose_questions(pool, set(seen), size, random.Random(seed), CONFLICTS)


def test_the_real_bank_has_conflicts_to_respect() -> None:
    """The properties below are only worth something if conflicts exist, some of them between
    questions on different paragraphs (a stem that gives another question's answer away)."""
    pairs = {frozenset((a, b)) for a, ids in CONFLICTS.items() for b in ids}
    assert len(pairs) >= 20
    by_id = {q.id: q for q in BANK.questions}
    assert any(
        not set(by_id[a].paragraphs) & set(by_id[b].paragraphs) for a, b in map(tuple, pairs)
    )
    assert all(a in CONFLICTS.get(b, ()) for a, ids in CONFLICTS.items() for b in ids)


@PROPERTY
@given(
    pool=pools,
    size=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
    seen=st.sets(st.sampled_from(IDS), max_size=len(IDS)),
)
@example(pool=("bank", ""), size=50, seed=0, seen=set())
@example(pool=("bank", ""), size=50, seed=1, seen=set(IDS))
def test_a_round_never_holds_two_conflicting_questions(
    pool: tuple[str, str], size: int, seed: int, seen: set[str]
) -> None:
    questions = pool_of(*pool)
    chosen = build(questions, seen, size, seed)
    ids = [q.id for q in chosen]
    assert len(ids) == len(set(ids)) <= size
    assert set(ids) <= {q.id for q in questions}
    for i, a in enumerate(chosen):
        for b in chosen[i + 1 :]:
            assert not clash(a, b), (a.id, b.id)
    if len(chosen) < size:  # as full as the conflicts allow
        blocked = blocked_ids(chosen)
        assert all(q.id in blocked for q in questions if q.id not in set(ids))
    assert chosen  # every pool is non-empty: a round always has a question


@PROPERTY
@given(
    pool=pools,
    size=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
    seen=st.sets(st.sampled_from(IDS), max_size=len(IDS)),
)
def test_a_round_prefers_unseen_questions(
    pool: tuple[str, str], size: int, seed: int, seen: set[str]
) -> None:
    questions = pool_of(*pool)
    chosen = build(questions, seen, size, seed)
    flags = [q.id in seen for q in chosen]
    assert flags == sorted(flags)  # unseen questions first
    if any(flags):
        taken, blocked = {q.id for q in chosen}, blocked_ids(chosen)
        assert all(q.id in taken | blocked for q in questions if q.id not in seen)


@PROPERTY
@given(
    pool=pools,
    size=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
    seen=st.sets(st.sampled_from(IDS), max_size=len(IDS)),
)
def test_a_paragraph_repeats_only_when_no_new_one_was_available(
    pool: tuple[str, str], size: int, seed: int, seen: set[str]
) -> None:
    questions = pool_of(*pool)
    chosen = build(questions, seen, size, seed)
    taken: set[str] = set()
    blocked: set[str] = set()
    covered: set[int] = set()
    for i, question in enumerate(chosen):
        if covered & set(question.paragraphs):
            fresh = [
                q.id
                for q in questions
                if (q.id in seen) == (question.id in seen)
                and q.id not in taken | blocked
                and not covered & set(q.paragraphs)
            ]
            assert fresh == [], (i, question.id, fresh)
        taken.add(question.id)
        blocked |= CONFLICTS.get(question.id, frozenset())
        covered |= set(question.paragraphs)


def spread_bound(questions: Sequence[Question]) -> int:
    """F - E from the module docstring."""
    free = {
        q.paragraphs[0]
        for q in questions
        if len(q.paragraphs) == 1 and not any(clash(q, other) for other in questions)
    }
    extra = sum(len(q.paragraphs) - 1 for q in questions)
    return len(free) - extra


@PROPERTY
@given(
    pool=pools,
    seed=st.integers(0, 2**32 - 1),
    everything_seen=st.booleans(),
    data=st.data(),
)
def test_a_round_no_larger_than_its_free_paragraphs_cites_each_paragraph_once(
    pool: tuple[str, str], seed: int, everything_seen: bool, data: st.DataObject
) -> None:
    questions = pool_of(*pool)
    bound = spread_bound(questions)
    if bound < 1:
        return  # a paragraph's own pool, say: no round of two can avoid repeating it
    size = data.draw(st.integers(1, bound), label="size")
    seen = {q.id for q in questions} if everything_seen else set()
    chosen = build(questions, seen, size, seed)
    assert len(chosen) == size
    cited = Counter(n for q in chosen for n in q.paragraphs)
    assert max(cited.values()) == 1, cited


def test_the_whole_bank_spreads_over_most_of_the_article() -> None:
    bound = spread_bound(BANK.questions)
    assert bound >= 20  # the corollary above covers rounds of realistic size
    for seed in range(20):
        chosen = build(BANK.questions, set(), 10, seed)
        assert max(Counter(n for q in chosen for n in q.paragraphs).values()) == 1


@given(
    pool=pools,
    size=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
    seen=st.sets(st.sampled_from(IDS), max_size=40),
)
@settings(max_examples=50, deadline=None)
def test_the_same_seed_builds_the_same_round(
    pool: tuple[str, str], size: int, seed: int, seen: set[str]
) -> None:
    questions = pool_of(*pool)
    assert build(questions, seen, size, seed) == build(questions, seen, size, seed)


def test_different_seeds_build_different_rounds() -> None:
    rounds = {tuple(q.id for q in build(BANK.questions, set(), 10, seed)) for seed in range(10)}
    assert len(rounds) == 10


def test_option_order_keeps_true_false_and_shuffles_the_rest() -> None:
    rng = random.Random(4)
    true_false = next(q for q in BANK.questions if q.is_true_false)
    assert option_order(true_false, rng) == [0, 1]
    several = next(q for q in BANK.questions if len(q.options) >= 4)
    orders = {tuple(option_order(several, rng)) for _ in range(30)}
    assert all(sorted(o) == list(range(len(several.options))) for o in orders)
    assert len(orders) > 1
