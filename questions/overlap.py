"""Which questions must never share a quiz round, and which stems give away other answers.

Two questions **conflict** when

(a) they cite a common paragraph and their quotes cover the same or overlapping characters of
    it (they test the same passage, and the feedback of one answers the other), or
(b) one **gives away** the other's answer: the stem (or an option) of the *giver* shows the
    distinctive words of the *receiver's* key, in a text about the same thing.

Rule (b) compares normalised words: case, accents, curly quotes, stop words and the framing
words of stems ("according to the author") are ignored, and a small stemmer maps "regularly" to
"regular" and "sided" to "side". A receiver's **key** is

- for a multiple-choice question: the words of its correct option that its own stem does not
  already contain;
- for a True/False question: the words of its quote, the passage that settles the statement
  (a text that restates the passage tells the player whether the statement is true).

Each word weighs more the fewer article paragraphs use it ("Belarus" next to nothing,
"envisage" a lot). A text (the giver's stem, or one of its options on its own) gives the key
away when

1. it shows at least ``KEY_SHARE`` of the key's weight;
2. it points at the correct option, not a distractor: no wrong option's distinctive words are
   shown as fully as the key's;
3. it is about what the receiver asks: the words it shares with the receiver's stem (only
   words the article uses, so framing like "what title" does not count) weigh at least
   ``context``. For a True/False receiver the shown quote words count here too, since a
   restated passage identifies its fact by itself.

The checker (``python -m questions check``) reports giveaways from stems and options at
``CHECK_CONTEXT``. The round builder's :func:`conflicts` is more cautious: it uses
``ROUND_CONTEXT``, so near misses the checker lets through are still kept apart, and it also
reads each giver's explanation, which the bot shows after the answer and before the next
question of the round. Everything is pure and deterministic, and takes a few milliseconds for
the bank's ~160 questions.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from questions.model import Article, Question

KEY_SHARE = 0.75
CHECK_CONTEXT = 0.85  # a word of one paragraph weighs about 0.8, a word the article lacks 1
ROUND_CONTEXT = 0.58

# Function words, and the framing words stems use ("According to the author, which…").
_STOP_TEXT = """
    a an the and or but nor of to in on at by for with from into onto as than then so if
    is are was were be been being am do does did done has have had having will would shall
    should can could may might must it its this that these those there here which what who
    whom whose when where why how whether not no yes all any each every some such
    he him his she her hers they them their theirs we us our you your i me my
    according article author say says said describe describes described call calls called
    true false statement mention mentions mentioned word words phrase use uses used
    give gives also about over per via
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

_WORD = re.compile(r"[\w']+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_SUFFIXES = ("ies", "ing", "ion", "ly", "ed", "es", "s")
_MIN_STEM = 3


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A deliberately small stemmer: "regularly" -> "regular", "sided" -> "sid" <- "side"."""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.strip("'")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            if not (suffix == "s" and word.endswith("ss")):
                word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    if len(word) > _MIN_STEM and word.endswith("e"):
        word = word[:-1]
    return word


@lru_cache(maxsize=4096)
def words(text: str) -> frozenset[str]:
    """The normalised word stems of ``text``, stop words left out."""
    text = text.casefold()
    if not text.isascii():
        text = text.replace("’", "'").replace("‘", "'")
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    raw = (w.strip("'") for w in _WORD.findall(text))
    return frozenset(stem(w) for w in raw if w and w not in STOP_WORDS)


@dataclass(frozen=True, slots=True)
class Giveaway:
    """``giver``'s stem, option or explanation shows ``receiver``'s answer (list indexes)."""

    giver: int
    receiver: int
    where: str  # "stem", "option N" (1-based, in file order) or "explanation"


class _Weights:
    """Inverse paragraph frequency of each word stem in the article's body, scaled so that a
    word the article does not use weighs 1."""

    def __init__(self, article: Article) -> None:
        body = article.paragraphs[: article.body_count] or article.paragraphs
        self.size = len(body)
        counts: defaultdict[str, int] = defaultdict(int)
        for paragraph in body:
            for word in words(paragraph):
                counts[word] += 1
        self.counts = dict(counts)
        self._top = math.log(self.size + 1) + 0.1
        self._cache: dict[str, float] = {}

    def of(self, word: str) -> float:
        weight = self._cache.get(word)
        if weight is None:
            rarity = math.log((self.size + 1) / (self.counts.get(word, 0) + 1)) + 0.1
            weight = self._cache[word] = rarity / self._top
        return weight

    def total(self, group: Iterable[str]) -> float:
        return sum(self.of(w) for w in group)


@dataclass(frozen=True, slots=True)
class _Profile:
    pieces: tuple[tuple[str, frozenset[str]], ...]  # texts it shows: ("stem" | "option N", ...)
    key: frozenset[str]  # what a giver must show
    key_weight: float
    distractors: tuple[tuple[frozenset[str], float], ...]  # wrong options' words and weight
    context: frozenset[str]  # its stem's words that the article uses
    key_is_quote: bool


def _profile(q: Question, weights: _Weights) -> _Profile:
    stem_words = words(q.question)
    pieces: list[tuple[str, frozenset[str]]] = [("stem", stem_words)]
    if q.is_true_false:
        key = words(q.quote)
        distractors: tuple[tuple[frozenset[str], float], ...] = ()
    else:
        pieces += [(f"option {n}", words(o)) for n, o in enumerate(q.options, 1)]
        key = words(q.correct_option) - stem_words
        wrong = [words(o) - stem_words for n, o in enumerate(q.options) if n != q.answer]
        distractors = tuple((w, weights.total(w)) for w in wrong if w)
    context = frozenset(w for w in stem_words if w in weights.counts)
    return _Profile(tuple(pieces), key, weights.total(key), distractors, context, q.is_true_false)


def _gives_away(
    text: frozenset[str], receiver: _Profile, weights: _Weights, context: float
) -> bool:
    if receiver.key_weight <= 0:
        return False
    shown_key = receiver.key & text
    shown = weights.total(shown_key) / receiver.key_weight
    if shown < KEY_SHARE:
        return False
    for wrong, weight in receiver.distractors:
        if weights.total(wrong & text) / weight >= shown:
            return False
    shared = weights.total((receiver.context & text) - receiver.key)
    if receiver.key_is_quote:
        shared += weights.total(shown_key)
    return shared >= context


def giveaways(
    questions: Sequence[Question],
    article: Article,
    context: float = CHECK_CONTEXT,
    *,
    explanations: bool = False,
) -> list[Giveaway]:
    """Every giver, receiver and place where the giver's text gives away the receiver's answer.

    With ``explanations`` the giver's explanation counts too: the bot shows it after each
    answer, before the next question of the round.
    """
    weights = _Weights(article)
    profiles = [_profile(q, weights) for q in questions]
    by_key_word: defaultdict[str, list[int]] = defaultdict(list)
    for index, profile in enumerate(profiles):
        for word in profile.key:
            by_key_word[word].append(index)
    found: list[Giveaway] = []
    for giver, profile in enumerate(profiles):
        pieces = profile.pieces
        if explanations:
            pieces += (("explanation", words(questions[giver].explanation)),)
        for where, text in pieces:
            candidates = sorted({r for w in text for r in by_key_word.get(w, ())})
            for receiver in candidates:
                if questions[receiver].id == questions[giver].id:
                    continue
                if _gives_away(text, profiles[receiver], weights, context):
                    found.append(Giveaway(giver, receiver, where))
    return found


def _find_all(text: str, part: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    start = text.find(part) if part else -1
    while start >= 0:
        found.append((start, start + len(part)))
        start = text.find(part, start + 1)
    return found


def quote_spans(q: Question, article: Article) -> dict[int, list[tuple[int, int]]]:
    """Where ``q``'s quote lies in each paragraph it cites: {paragraph: [(start, end), ...]}."""
    cited = [n for n in q.paragraphs if 1 <= n <= len(article.paragraphs)]
    spans: dict[int, list[tuple[int, int]]] = {}
    for n in cited:
        found = _find_all(article.paragraph(n), q.quote)
        if found:
            spans[n] = found
    if spans or len(cited) < 2:
        return spans
    # A quote may run on from one cited paragraph into the next (joined by a blank line).
    joined, starts = "", []
    for n in cited:
        starts.append(len(joined))
        joined += article.paragraph(n) + "\n\n"
    for begin, finish in _find_all(joined, q.quote):
        for n, start in zip(cited, starts, strict=True):
            end = start + len(article.paragraph(n))
            if begin < end and start < finish:
                span = (max(begin, start) - start, min(finish, end) - start)
                spans.setdefault(n, []).append(span)
    return spans


def quote_overlaps(questions: Sequence[Question], article: Article) -> list[tuple[int, int]]:
    """Index pairs (i < j) whose quotes share characters of a paragraph both cite."""
    by_paragraph: defaultdict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for index, q in enumerate(questions):
        for n, spans in quote_spans(q, article).items():
            by_paragraph[n].extend((start, end, index) for start, end in spans)
    pairs: set[tuple[int, int]] = set()
    for marks in by_paragraph.values():
        marks.sort()
        for i, (_, end, a) in enumerate(marks):
            for start, _, b in marks[i + 1 :]:
                if start >= end:
                    break  # sorted by start: no later span reaches back into this one
                if a != b:
                    pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)


def conflicts(questions: Sequence[Question], article: Article) -> Mapping[str, frozenset[str]]:
    """For each question id, the ids that must never appear in the same quiz round with it."""
    linked: dict[str, set[str]] = {q.id: set() for q in questions}
    pairs = quote_overlaps(questions, article)
    shown = giveaways(questions, article, ROUND_CONTEXT, explanations=True)
    pairs += [(g.giver, g.receiver) for g in shown]
    for a, b in pairs:
        first, second = questions[a].id, questions[b].id
        if first != second:
            linked[first].add(second)
            linked[second].add(first)
    return MappingProxyType({qid: frozenset(ids) for qid, ids in linked.items()})
