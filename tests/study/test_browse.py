"""study/browse.py: the search (words and filters, one-line syntax), card states, a card's page,
unsuspend; and hypothesis checks that no typed search can do worse than one BrowseError."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fsrs import Rating
from hypothesis import given, settings
from hypothesis import strategies as st
from study_helpers import NOON, FakeClock, make_deck

from studykit.study.browse import (
    STATES,
    BrowseError,
    Search,
    browse,
    card_page,
    due_in,
    parse_search,
    span,
    unsuspend,
)
from studykit.study.lab_history import record_lab_run
from studykit.study.records import CardProgress, LabRun
from studykit.study.scheduler import SchedulerSettings
from studykit.study.session import StudySession

NO_FUZZ = SchedulerSettings(fuzz=False)


def ids(rows) -> list[str]:
    return [r.card_id for r in rows]


def test_parse_search_takes_words_phrases_and_filters():
    search = parse_search('lora "low rank" deck:ft Topic:t1 tag:lab kind:mcq is:due W_q:')
    assert search == Search(
        words=("lora", "low rank", "W_q:"),
        deck="ft",
        topic="t1",
        tag="lab",
        kind="mcq",
        state="due",
    )
    assert parse_search("state:leech").state == "leech"  # is: spelled out
    assert parse_search("") == Search()


def test_an_unclosed_quote_is_one_line():
    with pytest.raises(BrowseError, match="quote is not closed"):
        parse_search('"low rank')


def test_options_override_the_one_line_search():
    assert parse_search("x kind:mcq").updated(kind="short", deck=None) == Search(
        words=("x",), kind="short"
    )


def test_words_match_any_field_case_folded_and_all_must_match(store, deck):
    assert ids(browse(store, [deck], parse_search("SOFT prompt"))) == ["basics-mcq", "basics-multi"]
    assert ids(browse(store, [deck], parse_search("why-text-nowhere"))) == []
    # a choice's `why`, an answer, the card id and the topic's title are all searched
    assert ids(browse(store, [deck], parse_search("updates every weight"))) == ["basics-mcq"]
    assert ids(browse(store, [deck], parse_search("backprop"))) == ["basics-short"]
    assert "basics-fc" in ids(browse(store, [deck], parse_search("basics-fc")))
    assert len(browse(store, [deck], parse_search("topic one"))) == len(deck.cards)


def test_filters_by_deck_topic_tag_and_kind(store):
    a = make_deck("aa")
    b = make_deck("bb")
    b = b.model_copy(update={"tags": ["lab"]})
    assert {r.deck_id for r in browse(store, [a, b], Search(deck="bb"))} == {"bb"}
    assert ids(browse(store, [a, b], Search(kind="short"))) == ["aa-short", "bb-short"]
    assert {r.deck_id for r in browse(store, [a, b], Search(tag="lab"))} == {"bb"}  # deck tag
    assert ids(browse(store, [a, b], Search(topic="aa-t1", kind="true_false"))) == ["aa-tf"]


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("deck", "basic", "no deck 'basic'; did you mean 'basics'?"),
        ("kind", "mcqq", "no kind 'mcqq'; did you mean 'mcq'?"),
        ("state", "duee", "no state 'duee'; did you mean 'due'?"),
        ("tag", "x", "no tag 'x'; the loaded decks have none"),
        ("topic", "zzz", "no topic 'zzz'; one of: basics-t1"),
    ],
)
def test_a_filter_naming_nothing_is_one_line_with_the_closest(store, deck, field, value, said):
    with pytest.raises(BrowseError) as raised:
        browse(store, [deck], Search(**{field: value}))
    assert str(raised.value) == said


def test_states_new_learning_due_review_buried_suspended_leech(store, deck):
    clock = FakeClock()
    session = StudySession(store, [deck], now=clock, settings=NO_FUZZ, seed=0)
    order = []
    for rating in (Rating.Easy, Rating.Again, Rating.Good):
        shown = session.next()
        order.append(shown.card.id)
        session.rate(shown, rating, 1000)
    easy, again, good = order
    session.bury(session.next().card.id)
    leech = CardProgress("basics-short", "basics", suspended=True, leech=True, updated_at=NOON)
    store.save_progress(leech)

    def state_of(now):
        return {r.card_id: r.shown_state for r in browse(store, [deck], now=now)}

    states = state_of(clock.moment)
    assert states[easy] == "review" and states[again] == "learning" and states[good] == "learning"
    assert states["basics-short"] == "suspended, leech"
    assert list(states.values()).count("buried") == 1
    assert list(states.values()).count("new") == len(deck.cards) - 5

    assert ids(browse(store, [deck], Search(state="learning"), now=clock.moment)) == [again, good]
    assert ids(browse(store, [deck], Search(state="leech"), now=clock.moment)) == ["basics-short"]
    # Due: learning cards due today count, as on the home screen; the Easy card only once due.
    assert set(ids(browse(store, [deck], Search(state="due"), now=clock.moment))) == {again, good}
    later = clock.moment + timedelta(days=30)
    assert easy in ids(browse(store, [deck], Search(state="due"), now=later))
    assert easy in ids(browse(store, [deck], Search(state="review"), now=later))


def test_an_unreadable_state_is_shown_as_such_not_raised(store, deck):
    store.save_progress(CardProgress("basics-fc", "basics", updated_at=NOON))
    with store.transaction() as db:
        db.execute("UPDATE card SET fsrs_json = '{\"nonsense\": 1}' WHERE card_id = 'basics-fc'")
    row = next(r for r in browse(store, [deck], now=NOON) if r.card_id == "basics-fc")
    assert row.state == "unreadable"


def test_card_page_lists_every_rating_with_what_it_scheduled_and_lab_runs(store, deck):
    clock = FakeClock()
    session = StudySession(store, [deck], now=clock, settings=NO_FUZZ, seed=0)
    shown = session.next()
    card_id = shown.card.id
    session.rate(shown, Rating.Again, 1500)
    clock.advance(minutes=2)
    session.rate(shown, Rating.Good, 800)  # the same card, back from its 1-minute step
    record_lab_run(store, card_id, {"lab": "soft-prompt", "interrupted": True}, now=clock.moment)
    page = card_page(store, [deck], card_id, now=clock.moment)
    rows = page.review_rows()
    assert [r[1:3] for r in rows] == [("new", "Again"), ("learning", "Good")]
    assert rows[0][4] == "1.5 s" and rows[0][5] == "+1 min"
    assert page.lab_rows()[0][1:] == ("soft-prompt", "?", "stopped by the learner")
    facts = dict(page.facts())
    assert facts["reviews"] == "2" and facts["state"] == "learning"
    data = page.to_json()
    assert [r["rating"] for r in data["ratings"]] == ["Again", "Good"]
    assert data["lab_runs"][0]["summary"]["lab"] == "soft-prompt"


def test_card_page_of_an_unknown_card_names_the_closest(store, deck):
    with pytest.raises(BrowseError, match="no card 'basics-mc' in the loaded decks; did you"):
        card_page(store, [deck], "basics-mc")


def test_a_lab_summary_of_odd_types_still_makes_a_row(store, deck):
    # as an import of a hand-edited export could store them
    odd = {"lab": 3, "methods": {"x": {"exact_match_before": "0", "exact_match_after": True}}}
    store.add_lab_run(LabRun("u1", "basics-fc", NOON, odd))
    store.add_lab_run(LabRun("u2", "basics-fc", NOON, {"methods": [1], "claims": "yes"}))
    rows = card_page(store, [deck], "basics-fc", now=NOON).lab_rows()
    assert [r[1:] for r in rows] == [("?", "?", "nothing measured")] * 2


def test_unsuspend_lets_a_card_be_studied_again_and_a_leech_stays_one(store, deck):
    store.save_progress(
        CardProgress("basics-fc", "basics", suspended=True, leech=True, updated_at=NOON)
    )
    assert unsuspend(store, [deck], "basics-fc", now=NOON + timedelta(hours=1)) is True
    progress = store.progress("basics-fc")
    assert (progress.suspended, progress.leech) == (False, True)
    assert progress.updated_at == NOON + timedelta(hours=1)
    assert unsuspend(store, [deck], "basics-fc", now=NOON) is False  # nothing to do
    assert unsuspend(store, [deck], "basics-mcq", now=NOON) is False  # never seen
    with pytest.raises(BrowseError):
        unsuspend(store, [deck], "no-such-card", now=NOON)


def test_times_read_as_one_unit():
    assert [span(timedelta(seconds=s)) for s in (0, 40, 59.6, 600, 5 * 3600, 3 * 86400)] == [
        "0 s",
        "40 s",
        "1 min",
        "10 min",
        "5 h",
        "3 d",
    ]
    assert due_in(NOON + timedelta(minutes=10), NOON) == "in 10 min"
    assert due_in(NOON - timedelta(hours=2), NOON) == "now"
    assert due_in(NOON - timedelta(days=3), NOON) == "overdue 3 d"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_any_typed_search_parses_or_is_one_browse_error(text):
    try:
        search = parse_search(text)
    except BrowseError as error:
        assert "\n" not in str(error)
        return
    assert all(isinstance(w, str) and w for w in search.words)


FILTER_VALUES = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(list(STATES)))


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.text(min_size=1, max_size=10), max_size=3),
    deck_id=FILTER_VALUES,
    kind=st.one_of(st.none(), st.sampled_from(["mcq", "short", "cloze", "x"])),
    state=FILTER_VALUES,
)
def test_any_search_lists_matching_cards_or_is_one_browse_error(
    tmp_path_factory, words, deck_id, kind, state
):
    from studykit.study.store import ProgressStore

    deck = make_deck()
    with ProgressStore.open(tmp_path_factory.mktemp("browse")) as store:
        search = Search(words=tuple(words), deck=deck_id, kind=kind, state=state)
        try:
            rows = browse(store, [deck], search, now=NOON)
        except BrowseError as error:
            assert "\n" not in str(error)
            return
        for row in rows:
            assert kind is None or row.kind == kind
            assert len(row.cells()) == 8
