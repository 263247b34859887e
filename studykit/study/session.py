"""A study session without a UI: what to show next, grading, rating, undo, suspend and bury.

The TUI (and any script) drives it like this:

    session = StudySession(store, decks)
    while (shown := session.next()) is not None:
        verdict = session.answer(shown, learner_answer)   # auto-graded kinds only
        session.rate(shown, session.suggest(shown, verdict, ms).rating, ms, verdict)  # committed

What comes next, in order of priority (as in Anki):
1. learning / relearning cards whose step is due now (fsrs's learning and relearning steps:
   a card rated Again waits its step, 1 minute by default, before it comes back);
2. review cards due today (most overdue first), up to the daily review limit;
3. new cards in prerequisite order (topics' `learn_before` first), up to the daily new limit.
Among those, `picking.pick` spreads cards apart: never the card just shown while another can be
shown, and not a card of the last two cards' topics or sibling groups while another can be. A new
card (or, with `bury_siblings="all"`, a review) whose sibling was seen today waits for another day.
When nothing can be shown now but learning steps fall due later today, `next_due()` says when.

The queue is recomputed from the store each time, so undo, a second session on the same file and
edits to the decks are always reflected. A cram session goes through every card in its scope once
(cards rated Again come back at the end), records its reviews as kind "cram" and never changes a
card's schedule.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import fsrs

from studykit.deck.cloze import StudyCard
from studykit.deck.model import Deck
from studykit.study.clock import Clock, as_clock, day_start, next_day_start, study_day
from studykit.study.grading import (
    Answer,
    CardHistory,
    Presented,
    Suggestion,
    Verdict,
    grade,
    present,
    suggest,
)

# The deck overview and lab history live beside this module; re-exported (`X as X`) so that
# `from studykit.study.session import deck_overview` keeps working.
from studykit.study.lab_history import record_lab_run as record_lab_run
from studykit.study.lab_history import summarize_lab_result as summarize_lab_result
from studykit.study.overview import DeckSummary as DeckSummary
from studykit.study.overview import TopicMastery as TopicMastery
from studykit.study.overview import deck_overview as deck_overview
from studykit.study.overview import topic_mastery as topic_mastery
from studykit.study.picking import BURY_CHOICES, pick, sibling_groups, spacing_keys
from studykit.study.progress_file import MAX_DURATION_MS  # so every export imports again
from studykit.study.records import CardProgress, Review
from studykit.study.scheduler import (
    SchedulerSettings,
    apply_rating,
    make_scheduler,
    review_kind,
)
from studykit.study.store import ProgressStore, UndoRefused

LEARNING_STATES = (fsrs.State.Learning, fsrs.State.Relearning)


@dataclass(frozen=True)
class Scope:
    """Which cards a session covers; every field that is set must match (None = any)."""

    deck: str | None = None
    topic: str | None = None
    tag: str | None = None

    def matches(self, deck: Deck, card: StudyCard) -> bool:
        return (
            (self.deck is None or deck.id == self.deck)
            and (self.topic is None or card.topic == self.topic)
            and (self.tag is None or self.tag in card.tags or self.tag in deck.tags)
        )


@dataclass(frozen=True)
class Counts:
    """Cards left to study today in this session (the current card included)."""

    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


def topic_order(decks: Sequence[Deck]) -> list[str]:
    """Topic ids with every topic after its `learn_before` topics, across decks.

    Depth-first: each topic in load order is preceded by its not-yet-placed prerequisites, so
    the order stays as close to the files as the prerequisites allow. A cycle (which the loader
    reports as an error) is broken where it is found rather than looping.
    """
    prereqs = {t.id: t.learn_before for d in decks for t in d.topics}
    placed: list[str] = []
    seen: set[str] = set()

    def visit(topic_id: str) -> None:
        if topic_id in seen or topic_id not in prereqs:
            return
        seen.add(topic_id)
        for before in prereqs[topic_id]:
            visit(before)
        placed.append(topic_id)

    for topic_id in prereqs:
        visit(topic_id)
    return placed


def new_card_order(decks: Sequence[Deck]) -> list[tuple[Deck, StudyCard]]:
    """Every card, ordered for introduction: by topic prerequisite order, then file order."""
    rank = {topic_id: i for i, topic_id in enumerate(topic_order(decks))}
    # A cloze card is one study card per deletion number, each with its own progress.
    cards = [(deck, card) for deck in decks for card in deck.study_cards()]
    # sorted() is stable, so cards of one topic keep their order in the file.
    return sorted(cards, key=lambda dc: rank.get(dc[1].topic, len(rank)))


@dataclass
class _Queues:
    """What a session may show now, by queue, and what waits (card ids, in showing order)."""

    learning: list[str] = field(default_factory=list)  # learning steps due now
    review: list[str] = field(default_factory=list)  # due today, within the daily limit
    new: list[str] = field(default_factory=list)  # within the daily limit
    later: list[str] = field(default_factory=list)  # learning steps due later today
    due_later: list[datetime] = field(default_factory=list)  # when each of `later` falls due
    held_new: list[str] = field(default_factory=list)  # beyond the daily limits
    held_review: list[str] = field(default_factory=list)
    siblings: list[str] = field(default_factory=list)  # a sibling was seen today


@dataclass
class _Done:
    """One rating this session made, for undo."""

    review_id: int
    presented: Presented
    cram_requeued: bool = False


@dataclass
class _Hidden:
    """One suspend or bury this session made, for undo."""

    card_id: str
    what: str  # "suspend" or "bury"
    before: CardProgress | None  # the flags to restore (None: the card had no progress yet)
    presented: Presented | None  # the card as it was shown, if it was the current one
    was_in_cram: bool


def _card_of(step: _Done | _Hidden) -> str:
    return step.presented.card.id if isinstance(step, _Done) else step.card_id


class StudySession:
    def __init__(
        self,
        store: ProgressStore,
        decks: Sequence[Deck],
        *,
        now: datetime | Clock | None = None,
        new_per_day: int = 20,
        reviews_per_day: int = 200,
        scope: Scope | None = None,
        cram: bool = False,
        seed: int | None = None,
        settings: SchedulerSettings | None = None,
        bury_siblings: str = "new",
    ) -> None:
        """`now`: a fixed UTC datetime, a function returning one, or None for the wall clock.
        `bury_siblings`: which siblings of a card seen today wait for another day: "new" cards
        (the default), "all" (reviews too) or "none"."""
        if new_per_day < 0 or reviews_per_day < 0:
            raise ValueError("daily limits cannot be negative")
        if bury_siblings not in BURY_CHOICES:
            raise ValueError(f"bury_siblings is one of {', '.join(BURY_CHOICES)}")
        self.bury_siblings = bury_siblings
        self.store = store
        self.scope = scope or Scope()
        self.cram = cram
        self.new_per_day = new_per_day
        self.reviews_per_day = reviews_per_day
        self.scheduler = make_scheduler(settings)
        self._clock = as_clock(now)
        self._rng = random.Random(seed)
        self._index(decks)
        self._recent: list[str] = []  # the cards rated in this session, the last one last
        self._current: Presented | None = None
        # Cards in scope whose stored state cannot be read (card id: why), as of the last
        # look at the store: they are skipped, and the UI says so once.
        self.unreadable: dict[str, str] = {}
        self._done: list[_Done | _Hidden] = []
        self._cram_queue: deque[str] = deque()
        if cram:
            ids = [
                card_id
                for card_id, p in self._progress_in_scope().items()
                if p is None or not p.suspended
            ]
            self._rng.shuffle(ids)
            self._cram_queue.extend(ids)

    def _index(self, decks: Sequence[Deck]) -> None:
        """The cards in scope, in introduction order, with their spacing keys and siblings."""
        self._cards = {
            card.id: (deck, card)
            for deck, card in new_card_order(decks)
            if self.scope.matches(deck, card)
        }
        self._spacing = {
            card_id: spacing_keys(deck, card) for card_id, (deck, card) in self._cards.items()
        }
        self._siblings = {
            card_id: groups
            for card_id, (deck, card) in self._cards.items()
            if (groups := sibling_groups(deck, card))
        }

    def replace_decks(self, decks: Sequence[Deck]) -> None:
        """Go on with `decks` as they are now (reloaded after an edit): the current card is
        shown again as edited, or the next one if it left the decks; cards that left drop out
        of a cram queue and of undo. Ratings made so far stay."""
        self._index(decks)
        if self._current is not None:
            entry = self._cards.get(self._current.card.id)
            self._current = None if entry is None else present(entry[1], self._rng)
        self._cram_queue = deque(c for c in self._cram_queue if c in self._cards)
        self._done = [d for d in self._done if _card_of(d) in self._cards]

    # --- what to show ---

    def now(self) -> datetime:
        return self._clock()

    def next(self) -> Presented | None:
        """The card to show now (the same one until it is rated, buried or suspended)."""
        if self._current is None:
            card_id = self._pick_next()
            if card_id is not None:
                self._current = present(self._cards[card_id][1], self._rng)
        return self._current

    def counts(self) -> Counts:
        """New, learning and review cards left today, within the daily limits."""
        if self.cram:
            return Counts(new=0, learning=0, review=len(self._cram_queue))
        queues = self._queues(self.now())
        return Counts(
            new=len(queues.new),
            learning=len(queues.learning) + len(queues.later),
            review=len(queues.review),
        )

    def deck_of(self, card_id: str) -> Deck:
        return self._cards[card_id][0]

    def _progress_in_scope(self) -> dict[str, CardProgress | None]:
        """Progress of every card in scope that can be studied (None: never reviewed)."""
        unreadable: dict[str, str] = {}
        stored = self.store.all_progress(unreadable)
        self.unreadable = {k: why for k, why in unreadable.items() if k in self._cards}
        return {
            card_id: stored.get(card_id)
            for card_id in self._cards
            if card_id not in self.unreadable
        }

    def next_due(self) -> datetime | None:
        """When the next learning step falls due today, if nothing can be shown before then."""
        if self.cram or self.next() is not None:
            return None
        queues = self._queues(self.now())
        return queues.due_later[0] if queues.due_later else None

    def _pick_next(self) -> str | None:
        if self.cram:
            return self._cram_queue[0] if self._cram_queue else None
        queues = self._queues(self.now())
        candidates = queues.learning + queues.review + queues.new
        return pick(candidates, self._recent, self._spacing.__getitem__)

    def _queues(self, now: datetime) -> _Queues:
        """Card ids per queue, each in the order they will be shown, limits applied."""
        end_of_day = next_day_start(now)
        progress = self._progress_in_scope()
        queues = _Queues()
        learning: list[str] = []
        later: list[str] = []
        review: list[str] = []
        new: list[str] = []
        due_at: dict[str, datetime] = {}  # card id -> due, for the cards fsrs schedules
        for card_id, p in progress.items():
            if p is not None and (p.suspended or p.is_buried(now)):
                continue
            if p is None or p.fsrs_card is None:
                new.append(card_id)  # already in prerequisite order
                continue
            due = due_at[card_id] = p.fsrs_card.due
            if p.state in LEARNING_STATES:
                if due <= now:
                    learning.append(card_id)
                elif due < end_of_day:
                    later.append(card_id)  # a learning step that falls due later today
            elif due < end_of_day:
                review.append(card_id)
        by_due = due_at.__getitem__
        seen = self._siblings_seen_today(now)
        waits = {c for c, groups in self._siblings.items() if groups & seen}
        if self.bury_siblings != "none":
            queues.siblings += [c for c in new if c in waits]
            new = [c for c in new if c not in waits]
        if self.bury_siblings == "all":
            queues.siblings += [c for c in review if c in waits]
            review = [c for c in review if c not in waits]
        new_left, reviews_left = self._left_today(now)
        review.sort(key=by_due)
        later.sort(key=by_due)
        queues.learning = sorted(learning, key=by_due)
        queues.review, queues.held_review = review[:reviews_left], review[reviews_left:]
        queues.new, queues.held_new = new[:new_left], new[new_left:]
        queues.later = later
        queues.due_later = [due_at[c] for c in later]
        return queues

    def _siblings_seen_today(self, now: datetime) -> set[str]:
        """The sibling groups of the cards reviewed today (in any session, cram included)."""
        if self.bury_siblings == "none" or not self._siblings:
            return set()
        seen = {r.card_id for r in self.store.reviews(since=day_start(study_day(now)))}
        return {group for c in seen for group in self._siblings.get(c, ())}

    def _left_today(self, now: datetime) -> tuple[int, int]:
        """How many new cards and reviews the daily limits still allow today."""
        today = day_start(study_day(now))
        new_done = self.store.count_reviews(since=today, kinds=("new",))
        reviews_done = self.store.count_reviews(since=today, kinds=("review",))
        return max(0, self.new_per_day - new_done), max(0, self.reviews_per_day - reviews_done)

    def held_back(self) -> Counts:
        """New cards and reviews waiting beyond today's daily limits (none when cramming)."""
        if self.cram:
            return Counts(new=0, learning=0, review=0)
        queues = self._queues(self.now())
        return Counts(new=len(queues.held_new), learning=0, review=len(queues.held_review))

    def siblings_waiting(self) -> int:
        """Cards that wait for another day because a sibling of theirs was seen today."""
        return 0 if self.cram else len(self._queues(self.now()).siblings)

    # --- answering and rating ---

    def answer(self, presented: Presented, answer: Answer) -> Verdict:
        """Grade an auto-graded card (every kind but flashcard); nothing is stored yet."""
        return grade(presented.card, answer)

    def suggest(self, presented: Presented, verdict: Verdict, duration_ms: int) -> Suggestion:
        """The rating to offer for this answer and why (see `grading.suggest`)."""
        return suggest(verdict, duration_ms, self.history(presented.card.id))

    def history(self, card_id: str) -> CardHistory:
        """What the learner had shown of the card before now: known (graduated to fsrs's
        Review state) and whether it was rated Again earlier today."""
        progress = self.store.progress(card_id)
        today = day_start(study_day(self.now()))
        lapsed = any(
            r.rating == fsrs.Rating.Again for r in self.store.reviews(since=today, card_id=card_id)
        )
        known = progress is not None and progress.state == fsrs.State.Review
        return CardHistory(known=known, lapsed_today=lapsed)

    def rate(
        self,
        presented: Presented,
        rating: fsrs.Rating | int,
        duration_ms: int,
        verdict: Verdict | None = None,
    ) -> str:
        """Store the rating and reschedule the card, committed before this returns (inside
        an outer `store.transaction()`, with it). Returns the review's uid."""
        rating = fsrs.Rating(rating)
        card = presented.card
        if card.id not in self._cards:
            raise KeyError(f"card {card.id} is not in this session")
        deck = self._cards[card.id][0]
        now = self.now()
        review = Review(
            uid=uuid.uuid4().hex,
            card_id=card.id,
            deck_id=deck.id,
            reviewed_at=now,
            rating=rating,
            duration_ms=min(max(0, int(duration_ms)), MAX_DURATION_MS),
            kind="cram",
            correct=None if verdict is None else verdict.correct,
            score=None if verdict is None else verdict.score,
        )
        done = _Done(review_id=-1, presented=presented)
        if self.cram:
            done.review_id = self.store.add_review(review)
            self._remove_from_cram(card.id)
            if rating == fsrs.Rating.Again:  # seen again before the cram ends
                self._cram_queue.append(card.id)
                done.cram_requeued = True
        else:
            with self.store.transaction():  # read, reschedule and log as one atomic step
                before = self.store.progress(card.id)
                after = apply_rating(
                    self.scheduler,
                    before,
                    card_id=card.id,
                    deck_id=deck.id,
                    rating=rating,
                    now=now,
                    duration_ms=review.duration_ms,
                )
                review.kind = review_kind(before)
                review.before = before
                review.fsrs_after = after.fsrs_card
                done.review_id = self.store.add_review(review)
                self.store.save_progress(after)
        self._done.append(done)
        self._recent = [*self._recent[-9:], card.id]
        if self._current is not None and self._current.card.id == card.id:
            self._current = None
        return review.uid

    def undo(self) -> str | None:
        """Take back this session's last rating, suspend or bury, and say which it was.

        A rating's review row goes and the card's state returns; a suspended or buried card
        comes back. The card is shown again next, in the same display order. None if there is
        nothing to undo. Raises `UndoRefused` (one line) when another session rated the card
        since; that step is then dropped.
        """
        while self._done:
            # Popped only once the write succeeded: after a failed one (database locked, disk
            # full) the next undo retries the same step instead of skipping to the one before.
            done = self._done[-1]
            if isinstance(done, _Hidden):
                self._unhide(done)
                self._done.pop()
                return done.what
            try:
                undone = self.store.undo_review(done.review_id)
            except UndoRefused:
                self._done.pop()  # it can never succeed: let the next undo reach the one before
                raise
            self._done.pop()
            if not undone:
                continue  # removed meanwhile (e.g. a reset); try the rating before it
            card_id = done.presented.card.id
            if self._recent and self._recent[-1] == card_id:
                self._recent.pop()
            if self.cram:
                if done.cram_requeued:
                    # drop the copy queued at the end by Again
                    for i in range(len(self._cram_queue) - 1, -1, -1):
                        if self._cram_queue[i] == card_id:
                            del self._cram_queue[i]
                            break
                self._remove_from_cram(card_id)
                self._cram_queue.appendleft(card_id)
            self._current = done.presented
            return "rating"
        return None

    # --- suspend and bury ---

    def suspend(self, card_id: str) -> None:
        """Take the card out of every session until it is unsuspended (or the suspend undone)."""
        hidden = self._hiding(card_id, "suspend")
        self._set_flags(card_id, suspended=True)
        self._done.append(hidden)  # only once the write succeeded

    def unsuspend(self, card_id: str) -> None:
        self._set_flags(card_id, suspended=False)

    def bury(self, card_id: str) -> None:
        """Hide the card until the next study day starts (04:00 local time)."""
        hidden = self._hiding(card_id, "bury")
        self._set_flags(card_id, buried_until=next_day_start(self.now()))
        self._done.append(hidden)

    def _hiding(self, card_id: str, what: str) -> _Hidden:
        """What undo needs to bring the card back, read before it is hidden."""
        shown = self._current if self._current and self._current.card.id == card_id else None
        before = self.store.progress(card_id)
        return _Hidden(card_id, what, before, shown, card_id in self._cram_queue)

    def _unhide(self, hidden: _Hidden) -> None:
        before = hidden.before
        self._set_flags(
            hidden.card_id,
            suspended=before.suspended if before else False,
            buried_until=before.buried_until if before else None,
        )
        if self.cram and hidden.was_in_cram:
            self._cram_queue.appendleft(hidden.card_id)
        if hidden.presented is not None:
            self._current = hidden.presented

    def _set_flags(self, card_id: str, **flags: Any) -> None:
        deck = self._cards[card_id][0]
        with self.store.transaction():
            progress = self.store.progress(card_id) or CardProgress(card_id, deck.id)
            for name, value in flags.items():
                setattr(progress, name, value)
            progress.updated_at = self.now()
            self.store.save_progress(progress)
        hidden = flags.get("suspended", True)
        if hidden:
            self._remove_from_cram(card_id)
            if self._current is not None and self._current.card.id == card_id:
                self._current = None

    def _remove_from_cram(self, card_id: str) -> None:
        if card_id in self._cram_queue:
            self._cram_queue.remove(card_id)
