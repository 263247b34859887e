"""One bad deck never stops the others: id clashes are settled by a stable rule that ignores
file names, a clashing card is left out alone, and a broken prerequisite deck is only a warning."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from deck_helpers import load, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykit.deck.loader import LoadResult, load_decks
from studykit.paths import bundled_decks_dir, bundled_labs_dir


def deck(deck_id: str, topics: list[str], cards: list[str], learn_before: str = "") -> str:
    """A small valid deck: every card a flashcard on the first topic."""
    lines = [f"id: {deck_id}", f"title: Deck {deck_id}", "description: A deck.", "topics:"]
    for i, topic in enumerate(topics):
        lines += [f"  - id: {topic}", f"    title: Topic {topic}"]
        if i == 0 and learn_before:
            lines.append(f"    learn_before: [{learn_before}]")
    lines.append("cards:")
    for card in cards:
        lines.append(
            f"  - {{id: {card}, kind: flashcard, topic: {topics[0]}, front: {card}?, back: B}}"
        )
    return "\n".join(lines) + "\n"


def loaded(result: LoadResult) -> dict[str, list[str]]:
    """deck id -> its cards' ids, for what loaded."""
    return {d.id: [c.id for c in d.cards] for d in result.decks}


def test_a_card_id_clash_leaves_out_only_the_later_card_in_either_file_order(tmp_path, labs_dir):
    for first, second in (("a.yaml", "z.yaml"), ("z.yaml", "a.yaml")):
        folder = tmp_path / first.removesuffix(".yaml")
        folder.mkdir()
        base = write(folder, first, deck("base", ["b-t"], ["b-1", "b-2"]))
        mine = write(folder, second, deck("mine", ["m-t"], ["m-1", "b-2", "m-3"]))
        result = load(folder, labs_dir)
        # "base" sorts before "mine": its card keeps the id, whatever the files are called
        assert loaded(result) == {"base": ["b-1", "b-2"], "mine": ["m-1", "m-3"]}
        (problem,) = result.problems
        assert str(problem) == (
            f'{mine}:9:10: card b-2: id "b-2" is already used by another card ({base}:9:10); '
            "give this card another id (it is left out until then)"
        )
        # positions still point at the right cards of the deck that lost one
        assert result.sources["mine"].where("cards", 1, "id") == (10, 10)  # m-3


def test_a_bundled_deck_keeps_its_ids_against_a_users_deck(tmp_path, labs_dir):
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    theirs = write(bundled, "zz.yaml", deck("zz", ["z-t"], ["shared", "z-2"]))
    mine = write(tmp_path, "aa.yaml", deck("aa", ["a-t"], ["a-1", "shared"]))
    result = load_decks([mine, theirs], bundled_dir=bundled)
    assert loaded(result) == {"aa": ["a-1"], "zz": ["shared", "z-2"]}
    (problem,) = result.errors
    assert problem.file == str(mine) and f"({theirs}:8:10)" in problem.message


def test_a_broken_deck_never_takes_an_id_from_a_good_one(tmp_path, labs_dir):
    broken = deck("aa", ["a-t"], ["shared"]).replace("back: B", "back: [B]")  # a type error
    write(tmp_path, "aa.yaml", broken)
    good = write(tmp_path, "zz.yaml", deck("zz", ["z-t"], ["shared"]))
    result = load(tmp_path, labs_dir)
    assert loaded(result) == {"zz": ["shared"]}
    clash = [p for p in result.errors if "already used" in p.message]
    assert [(p.file, p.card) for p in clash] == [(str(tmp_path / "aa.yaml"), "shared")]
    assert str(good) in clash[0].message


def test_a_deck_whose_cards_all_clash_is_held_back_with_one_reason(tmp_path, labs_dir):
    write(tmp_path, "a.yaml", deck("a", ["a-t"], ["c-1"]))
    copy = write(tmp_path, "b.yaml", deck("b", ["b-t"], ["c-1"]))
    result = load(tmp_path, labs_dir)
    assert loaded(result) == {"a": ["c-1"]}
    assert [(p.file, p.line) for p in result.errors] == [(str(copy), 8), (str(copy), 8)]
    assert "every card of this deck is left out" in result.errors[0].message


def test_two_decks_with_one_id_keep_the_first_by_path_and_report_once(tmp_path, labs_dir):
    first = write(tmp_path, "a.yaml", deck("same", ["t-1"], ["c-1"]))
    second = write(tmp_path, "b.yaml", deck("same", ["t-1"], ["c-1"]))  # a copy
    result = load(tmp_path, labs_dir)
    assert [result.sources[d.id].file for d in result.decks] == [str(first)]
    (problem,) = result.problems  # the copy's topics and cards are not reported one by one
    assert str(problem) == (
        f'{second}:1:5: id "same" is already used by another deck ({first}:1:5); '
        "give this deck another id"
    )


def test_a_deck_whose_prerequisite_deck_is_broken_still_loads_with_a_warning(tmp_path, labs_dir):
    broken = write(tmp_path, "a.yaml", deck("a", ["basics"], ["a-1"]).replace("back: B", "bak: B"))
    after = write(tmp_path, "b.yaml", deck("b", ["more"], ["b-1"], learn_before="basics"))
    result = load(tmp_path, labs_dir)
    assert loaded(result) == {"b": ["b-1"]}
    (warning,) = result.warnings
    assert (warning.file, warning.line, warning.column) == (str(after), 7, 20)
    assert warning.message.startswith(
        f'learn_before: topic "basics" is in a deck that has errors ({broken})'
    )


def test_learn_before_may_name_a_topic_the_caller_knows_of(tmp_path, labs_dir):
    path = write(tmp_path, "b.yaml", deck("b", ["more"], ["b-1"], learn_before="chain-rule"))
    assert load(path, labs_dir).warnings  # alone, nobody has "chain-rule"
    result = load_decks([path], known_topics={"chain-rule"})
    assert result.problems == [] and loaded(result) == {"b": ["b-1"]}


def test_the_issue_folder_loads_every_deck_but_the_clashing_card(tmp_path):
    # the bundled decks copied into a folder, plus a deck reusing bg-01, named to sort first;
    # checked against the bundled labs, whose observables their predict cards ask about
    labs_dir = bundled_labs_dir()
    folder = tmp_path / "decks"
    shutil.copytree(bundled_decks_dir(), folder)
    expected = load(folder, labs_dir)
    assert expected.errors == []
    lora = deck("lora", ["lora-basics"], ["bg-01", "lora-02"])
    for name in ("aa-lora.yaml", "zz-lora.yaml"):
        path = write(folder, name, lora)
        result = load(folder, labs_dir)
        assert len(result.decks) == len(expected.decks) + 1
        assert result.cards == expected.cards + 1
        assert loaded(result)["lora"] == ["lora-02"]
        (problem,) = result.errors
        assert problem.file == str(path) and problem.card == "bg-01"
        assert "backprop-and-gradient-descent.yaml:" in problem.message
        path.unlink()


# --- property: adding any broken deck to a folder never reduces the other decks that load -----

GOOD_DECKS = {
    "a.yaml": deck("alpha", ["al-1", "al-2"], ["a-1", "a-2", "a-3"]),
    "m.yaml": deck("mid", ["mi-1"], ["m-1", "m-2"], learn_before="al-1"),
    "sub/z.yaml": deck("zulu", ["zu-1"], ["z-1"], learn_before="mi-1"),
}
IDS = ["alpha", "mid", "zulu", "aa", "zz", "al-1", "al-2", "mi-1", "zu-1", "a-1", "a-2", "m-1"]
IDS += ["z-1", "new-1", "new-2"]
BREAKAGES = [
    lambda text: text.replace("back: B}", "back: [B]}", 1),  # a type error
    lambda text: text.replace("front:", "frnt:", 1),  # an unknown key, a missing one
    lambda text: text.replace("kind: flashcard", "kind: quiz", 1),  # an unknown kind
    lambda text: text.replace("title:", "title: [", 1),  # a YAML syntax error
    lambda text: text[: len(text) // 2],  # cut short
    lambda text: text.replace("description: A deck.\n", ""),  # a required key missing
    lambda text: text + "  - {id: extra, kind: flashcard, topic: nowhere, front: F, back: B}\n",
]


@st.composite
def broken_decks(draw: st.DrawFn) -> tuple[str, str]:
    """(file name, text) of a deck that reuses ids of the good decks and has an error of its own."""
    ids = st.sampled_from(IDS)
    topics = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    cards = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    before = draw(st.sampled_from(["", *IDS]))
    text = deck(draw(ids), topics, cards, learn_before=before)
    for breakage in draw(st.lists(st.sampled_from(BREAKAGES), min_size=1, max_size=3)):
        text = breakage(text)
    name = draw(st.sampled_from(["0.yaml", "a.yaml.yaml", "n.yaml", "zzz.yaml", "sub/aa.yml"]))
    return name, text


def by_file(result: LoadResult) -> dict[str, list[str]]:
    return {result.sources[d.id].file: [c.id for c in d.cards] for d in result.decks}


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(broken=broken_decks())
def test_adding_a_broken_deck_never_reduces_the_other_decks_that_load(tmp_path, broken):
    folder = Path(tmp_path) / "f"
    shutil.rmtree(folder, ignore_errors=True)
    for name, text in GOOD_DECKS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    before = by_file(load_decks([folder]))
    assert len(before) == len(GOOD_DECKS)
    name, text = broken
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text))
    result = load_decks([folder])
    after = by_file(result)
    added = str(folder / name)
    assert result.errors and all(p.file == added for p in result.errors), result.errors
    assert {f: cards for f, cards in after.items() if f != added} == before
