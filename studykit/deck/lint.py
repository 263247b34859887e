"""Warnings about decks that load but teach less well than they could.

`lint(result)` looks at the decks a `load_decks` call returned and says, one line each:
- a card has no explanation;
- an mcq/multi card's wrong choices do not say `why` they are wrong;
- topics form a prerequisite cycle (`learn_before` loops back);
- a topic no card uses;
- two questions are nearly the same;
- the correct answers sit in the same position (most mcq answers are B; every true_false is true);
- the correct mcq choice is usually the longest one (a test-wise learner picks it unread);
- every multi card of a deck has the same number of correct answers (a learner picks that many);
- a code block is never closed (the rest of the text would show as code);
- a cloze card skips a deletion number (c1, c3: Anki would make an empty card for c2);
- a short card accepts two different numbers (`1024` and `1.024`: a `.` is a decimal point);
- a `siblings` name no other card of the deck has (a typo, or a sibling yet to be named);
- a linked lab declares observables that no predict card predicts (given the lab catalogue).
A lab link to a lab that does not exist is reported by the loader itself, as a warning.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal

from studykit.deck import cloze, numbers
from studykit.deck.errors import Problem
from studykit.deck.loader import LabCatalog, LoadResult
from studykit.deck.model import (
    LETTERS,
    AnyCard,
    Cloze,
    Deck,
    Matching,
    MultipleChoice,
    MultipleSelect,
    Order,
    Predict,
    ShortAnswer,
)

# Position lint: with this many cards of a kind, this share on one answer is a pattern to fix.
MIN_CARDS_FOR_POSITION = 4
SAME_POSITION_SHARE = 0.75
# Length lint: with four choices a fair deck has the answer longest about a quarter of the time.
LONGEST_ANSWER_SHARE = 0.5
# Correct-count lint: from this many multi cards on, one count for all of them is a pattern.
MIN_MULTI_CARDS = 3


def lint(result: LoadResult, lab_catalog: LabCatalog | None = None) -> list[Problem]:
    """Every lint warning for the loaded decks, in file and line order; with `lab_catalog`,
    also the observables of the linked labs that no predict card predicts."""
    linter = _Linter(result)
    for deck in result.decks:
        linter.explanations(deck)
        linter.choice_feedback(deck)
        linter.unused_topics(deck)
        linter.answer_positions(deck)
        linter.answer_lengths(deck)
        linter.correct_counts(deck)
        linter.open_code_blocks(deck)
        linter.cloze_numbers(deck)
        linter.numeric_answers(deck)
        linter.lone_siblings(deck)
    linter.cycles()
    linter.near_duplicates()
    if lab_catalog is not None:
        linter.unpredicted_observables(lab_catalog)
    return sorted(linter.found, key=lambda p: p.sort_key)


class _Linter:
    def __init__(self, result: LoadResult):
        self.result = result
        self.found: list[Problem] = []

    def warn(self, deck: Deck, path: tuple, message: str, card: str | None = None) -> None:
        source = self.result.sources.get(deck.id)
        line, column = source.where(*path) if source else (0, 0)
        file = source.file if source else deck.id
        self.found.append(Problem(file, line, column, card, message, "warning"))

    def explanations(self, deck: Deck) -> None:
        for i, card in enumerate(deck.cards):
            if not card.explanation:
                self.warn(
                    deck,
                    ("cards", i, "id"),
                    'no "explanation"; say why the answer is '
                    "right, so a learner who got it wrong learns something",
                    card.id,
                )

    def choice_feedback(self, deck: Deck) -> None:
        for i, card in enumerate(deck.cards):
            if isinstance(card, MultipleChoice):
                right = {card.correct_index}
            elif isinstance(card, MultipleSelect):
                right = set(card.correct_indexes)
            else:
                continue
            silent = [
                LETTERS[j] for j, c in enumerate(card.choices) if j not in right and not c.why
            ]
            if silent:
                which = "choice" if len(silent) == 1 else "choices"
                has = "has" if len(silent) == 1 else "have"
                self.warn(
                    deck,
                    ("cards", i, "choices"),
                    f'wrong {which} {", ".join(silent)} {has} no "why"; say why each is wrong',
                    card.id,
                )

    def unused_topics(self, deck: Deck) -> None:
        used = {card.topic for card in deck.cards}
        for i, topic in enumerate(deck.topics):
            if topic.id not in used:
                self.warn(
                    deck,
                    ("topics", i, "id"),
                    f'topic "{topic.id}" has no cards; add some or remove the topic',
                )

    def answer_positions(self, deck: Deck) -> None:
        letters = [c.answer for c in deck.cards if isinstance(c, MultipleChoice)]
        if len(letters) >= MIN_CARDS_FOR_POSITION:
            letter, count = Counter(letters).most_common(1)[0]
            if count >= SAME_POSITION_SHARE * len(letters):
                share = "all" if count == len(letters) else f"{count} of"
                self.warn(
                    deck,
                    ("id",),
                    f"{share} {len(letters)} mcq cards have answer "
                    f"{letter}; put the correct choice in different positions",
                )
        truths = [c.answer for c in deck.cards if c.kind == "true_false"]
        if len(truths) >= MIN_CARDS_FOR_POSITION and len(set(truths)) == 1:
            self.warn(
                deck,
                ("id",),
                f"all {len(truths)} true_false cards are "
                f"{str(truths[0]).lower()}; write some the other way round",
            )

    def answer_lengths(self, deck: Deck) -> None:
        mcqs = [c for c in deck.cards if isinstance(c, MultipleChoice)]
        longest = [c.id for c in mcqs if _answer_is_longest(c)]
        if len(mcqs) >= MIN_CARDS_FOR_POSITION and len(longest) > LONGEST_ANSWER_SHARE * len(mcqs):
            self.warn(
                deck,
                ("id",),
                f"{len(longest)} of {len(mcqs)} mcq cards have the longest choice as the answer "
                f"({', '.join(longest)}); make wrong choices as specific as the right one",
            )

    def correct_counts(self, deck: Deck) -> None:
        counts = {len(c.answers) for c in deck.cards if isinstance(c, MultipleSelect)}
        multis = sum(isinstance(c, MultipleSelect) for c in deck.cards)
        if multis >= MIN_MULTI_CARDS and len(counts) == 1:
            count = counts.pop()
            self.warn(
                deck,
                ("id",),
                f"all {multis} multi cards have {count} correct "
                f"{'answer' if count == 1 else 'answers'}; vary how many are right (from one "
                "to all but one), or a learner learns to pick that many",
            )

    def open_code_blocks(self, deck: Deck) -> None:
        for i, card in enumerate(deck.cards):
            for path, value in _texts(card.model_dump(exclude={"id", "kind", "topic"})):
                fence = _unclosed_fence(value)
                if fence:
                    self.warn(
                        deck,
                        ("cards", i, *path),
                        f'the code block opened with "{fence}" is never closed; end it with a '
                        f'line "{fence[0] * 3}", or the rest of the text shows as code',
                        card.id,
                    )

    def cloze_numbers(self, deck: Deck) -> None:
        for i, card in enumerate(deck.cards):
            if not isinstance(card, Cloze):
                continue
            numbers = cloze.numbers(card.text)
            missing = [n for n in range(1, numbers[-1]) if n not in numbers] if numbers else []
            if missing:
                self.warn(
                    deck,
                    ("cards", i, "text"),
                    f"deletion numbers skip {', '.join(f'c{n}' for n in missing)}; "
                    "number the deletions c1, c2, … without gaps (Anki makes an empty card "
                    "for a missing number)",
                    card.id,
                )

    def numeric_answers(self, deck: Deck) -> None:
        """Grading compares numbers by value, so two numeric answers with different values
        accept both: `1.024` written for a thousand and twenty-four also accepts 1.02400."""
        for i, card in enumerate(deck.cards):
            if not isinstance(card, ShortAnswer):
                continue
            tolerance = Decimal(repr(card.tolerance or 0.0))
            first: tuple[str, Decimal] | None = None
            for j, answer in enumerate(card.answers):
                value = numbers.parse_number(answer)
                if value is None:
                    continue
                if first is None:
                    first = (answer, value)
                elif abs(value - first[1]) > tolerance:
                    self.warn(
                        deck,
                        ("cards", i, "answers", j),
                        f'answers "{first[0]}" and "{answer}" are different numbers (a "." is '
                        "always the decimal point); keep the right one, or set a tolerance",
                        card.id,
                    )

    def lone_siblings(self, deck: Deck) -> None:
        """A sibling name on one card only is likely a typo of another card's name."""
        cards_of: dict[str, list[int]] = defaultdict(list)
        for i, card in enumerate(deck.cards):
            for name in card.siblings:
                cards_of[name].append(i)
        for name, [i] in ((n, c) for n, c in cards_of.items() if len(c) == 1):
            self.warn(
                deck,
                ("cards", i, "siblings"),
                f'no other card of the deck has the siblings name "{name}"; give the card it '
                "gives away (or that gives it away) the same name, or remove it",
                deck.cards[i].id,
            )

    def unpredicted_observables(self, catalog: LabCatalog) -> None:
        """Each lab some loaded card links to: every observable it declares is what some
        predict card predicts (warned once per lab, at the first card linking to it). Labs
        gain observables while decks are written, so whatever the catalogue holds (no such lab,
        no observables, a spec that cannot be read) is at most this warning."""
        first_link: dict[str, tuple[Deck, int]] = {}
        predicted: dict[str, set[str]] = defaultdict(set)
        for deck in self.result.decks:
            for i, card in enumerate(deck.cards):
                if card.lab is None:
                    continue
                first_link.setdefault(card.lab.name, (deck, i))
                if isinstance(card, Predict):
                    predicted[card.lab.name].add(card.observe)
        try:
            known = set(catalog.names())
        except Exception:  # the loader has warned that the catalogue cannot be read
            return
        for name, (deck, i) in sorted(first_link.items()):
            if name not in known:
                continue  # the loader warns about an unknown lab
            try:
                declared = list(catalog.observables(name))
            except Exception:
                continue
            missing = [o for o in declared if o not in predicted[name]]
            if missing:
                self.warn(
                    deck,
                    ("cards", i, "lab"),
                    f"lab {name} measures {', '.join(missing)}, which no predict card "
                    f"predicts; add a predict card with observe: {missing[0]}",
                    deck.cards[i].id,
                )

    def cycles(self) -> None:
        """One warning per group of topics that are each other's prerequisites."""
        home: dict[str, tuple[Deck, int]] = {}
        edges: dict[str, list[str]] = {}
        for deck in self.result.decks:
            for i, topic in enumerate(deck.topics):
                home[topic.id] = (deck, i)
                edges[topic.id] = list(topic.learn_before)
        for group in _strongly_connected(edges):
            if len(group) == 1 and group[0] not in edges[group[0]]:
                continue  # a topic on its own, not its own prerequisite
            loop = _a_cycle(sorted(group), edges)
            deck, i = home[loop[0]]
            self.warn(
                deck,
                ("topics", i, "learn_before"),
                f"prerequisite cycle: {' → '.join(loop)}; remove one of these learn_before links",
            )

    def near_duplicates(self) -> None:
        cards = [(deck, i, card) for deck in self.result.decks for i, card in enumerate(deck.cards)]
        words = [_content_words(_question(card)) for _, _, card in cards]
        for first, second in _similar_pairs(words):
            deck, i, card = cards[second]
            other_deck, j, other = cards[first]
            source = self.result.sources.get(other_deck.id)
            where = f" ({source.file}:{source.where('cards', j)[0]})" if source else ""
            self.warn(
                deck,
                ("cards", i, "id"),
                f"asks nearly the same as card {other.id}{where}; "
                "merge them or make them ask different things",
                card.id,
            )


_FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


def _unclosed_fence(text: str) -> str | None:
    """The opening of a fenced code block that no later line closes, or None."""
    opened: str | None = None
    for line in text.split("\n"):
        match = _FENCE_LINE.match(line)
        if match is None:
            continue
        fence = match.group(1)
        if opened is None:
            opened = fence
        elif (
            fence[0] == opened[0] and len(fence) >= len(opened) and not line[match.end() :].strip()
        ):
            opened = None
    return opened


def _texts(value: object, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string in a dumped card, with its path (for the warning's line)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))


def _answer_is_longest(card: MultipleChoice) -> bool:
    """The correct choice is strictly longer than every other (ties give nothing away)."""
    right = len(card.choices[card.correct_index].text)
    return all(right > len(c.text) for j, c in enumerate(card.choices) if j != card.correct_index)


def _question(card: AnyCard) -> str:
    """The text that makes a card a distinct question (generic prompts need their items)."""
    text = card.prompt_text()
    if isinstance(card, Cloze):
        text = cloze.filled(card.text)
    elif isinstance(card, Order):
        text += " " + " ".join(card.steps)
    elif isinstance(card, Matching):
        text += " " + " ".join(f"{p.left} {p.right}" for p in card.pairs)
    elif isinstance(card, Predict):  # the same question on other params is another prediction
        params = " ".join(f"{k} {v}" for k, v in sorted(card.lab.params.items()))
        text += f" {card.lab.name} {card.observe} {params}"
    return text


_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "by",
        "with",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "as",
        "at",
        "from",
        "into",
        "do",
        "does",
        "did",
    }
)
_WORD = re.compile(r"[^\W_]+")
MAX_DIFFERENT_WORDS = 2  # near duplicates differ in at most this many words (each way)
SIMILAR_WORD = 0.8  # ...and each differing word is a near-spelling of one in the other text
# Longer words are compared for equality only: difflib is quadratic in a word's length, and two
# cards holding one 300,000-character word each took 30 s.
MAX_TYPO_WORD = 40
COMMON_WORD = 50  # a word in more questions than this does not pick comparison candidates


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]


def _similar_pairs(texts: list[list[str]]) -> Iterator[tuple[int, int]]:
    """Pairs (i < j) of word lists that are the same up to order, stopwords and small typos.

    Comparing every pair is quadratic; instead each text is compared only with texts holding
    one of its rarest words. A near duplicate misses at most MAX_DIFFERENT_WORDS of a text's
    words, so it holds at least one of its MAX_DIFFERENT_WORDS + 1 rarest words. Words held by
    more than COMMON_WORD texts are too common to find candidates with (a deck of 10,000
    generated cards would otherwise compare every pair).
    """
    holders: dict[str, set[int]] = defaultdict(set)
    for i, words in enumerate(texts):
        for word in set(words):
            holders[word].add(i)
    word_sets = [set(words) for words in texts]
    for i, words in enumerate(texts):
        distinct = sorted(word_sets[i], key=lambda w: (len(holders[w]), w))
        rare = [holders[w] for w in distinct[: MAX_DIFFERENT_WORDS + 1]]
        candidates = set().union(*(h for h in rare if len(h) <= COMMON_WORD))
        for j in sorted(c for c in candidates if c > i):
            shared = len(word_sets[i] & word_sets[j])
            close_enough = shared >= max(len(word_sets[i]), len(word_sets[j])) - MAX_DIFFERENT_WORDS
            if close_enough and _nearly_same(words, texts[j]):
                yield i, j


def _nearly_same(a: list[str], b: list[str]) -> bool:
    if not a or not b:
        return False
    only_a = list((Counter(a) - Counter(b)).elements())
    only_b = list((Counter(b) - Counter(a)).elements())
    if len(only_a) > MAX_DIFFERENT_WORDS or len(only_b) > MAX_DIFFERENT_WORDS:
        return False
    if len(only_a) + len(only_b) >= len(set(a) | set(b)):
        return False  # nothing in common
    return all(_close_to_any(w, only_b) for w in only_a) and all(
        _close_to_any(w, only_a) for w in only_b
    )


def _close_to_any(word: str, others: list[str]) -> bool:
    return any(_near_spelling(word, other) for other in others)


def _near_spelling(a: str, b: str) -> bool:
    """A small typo apart. At most MAX_TYPO_WORD² steps of difflib per pair of words."""
    if max(len(a), len(b)) > MAX_TYPO_WORD:
        return a == b
    if 2 * min(len(a), len(b)) < SIMILAR_WORD * (len(a) + len(b)):
        return False  # lengths alone keep the ratio under the threshold
    return difflib.SequenceMatcher(None, a, b).ratio() >= SIMILAR_WORD


def _strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit to hit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in edges), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _a_cycle(group: list[str], edges: dict[str, list[str]]) -> list[str]:
    """A concrete loop through a strongly connected group, e.g. [a, b, c, a]."""
    members = set(group)
    path = [group[0]]
    while True:
        step = next(c for c in edges[path[-1]] if c in members)
        if step in path:
            return path[path.index(step) :] + [step]
        path.append(step)
