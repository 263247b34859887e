"""`studykit browse` through the real typer app: search, filters, a card's page, --json, errors."""

from __future__ import annotations

import json

import pytest
import yaml
from fsrs import Rating
from typer.testing import CliRunner

from studykit.cli import app
from studykit.deck.model import Deck
from studykit.study.clock import utc_now
from studykit.study.session import StudySession
from studykit.study.store import ProgressStore

runner = CliRunner()

DECK = {
    "id": "bro",
    "title": "Browse deck",
    "description": "cards for the browse command test",
    "topics": [{"id": "bro-a", "title": "Adapters"}, {"id": "bro-b", "title": "Prompts"}],
    "cards": [
        {
            "id": "bro-1",
            "kind": "flashcard",
            "topic": "bro-a",
            "front": "What is LoRA?",
            "back": "A low-rank update",
            "tags": ["lab"],
        },
        {
            "id": "bro-2",
            "kind": "short",
            "topic": "bro-a",
            "question": "Rank of LoRA's B·A?",
            "answers": ["r"],
        },
        {
            "id": "bro-3",
            "kind": "flashcard",
            "topic": "bro-b",
            "front": "What is a soft prompt?",
            "back": "Trained input vectors",
        },
    ],
}


@pytest.fixture
def setup(tmp_path):
    deck_file = tmp_path / "bro.yaml"
    deck_file.write_text(yaml.safe_dump(DECK, sort_keys=False))
    data_dir = tmp_path / "data"
    with ProgressStore.open(data_dir) as store:
        session = StudySession(store, [Deck.model_validate(DECK)], now=utc_now(), seed=0)
        session.rate(session.next(), Rating.Again, 1200)  # bro-1: learning
        session.suspend("bro-3")
    return ["--path", str(deck_file), "--data-dir", str(data_dir)]


def test_words_and_filters_narrow_the_listing(setup):
    every = runner.invoke(app, ["browse", *setup])
    assert every.exit_code == 0, every.output
    assert every.output.splitlines()[-1] == "3 of 3 cards match."
    lora = runner.invoke(app, ["browse", "lora", *setup])
    assert [line.split()[0] for line in lora.output.splitlines()[1:-1]] == ["bro-1", "bro-2"]
    short = runner.invoke(app, ["browse", "lora", "--kind", "short", *setup])
    assert [line.split()[0] for line in short.output.splitlines()[1:-1]] == ["bro-2"]
    inline = runner.invoke(app, ["browse", "is:suspended", *setup])
    assert inline.output.splitlines()[1].split()[:3] == ["bro-3", "flashcard", "suspended"]
    tagged = runner.invoke(app, ["browse", "--tag", "lab", "--state", "learning", *setup])
    assert [line.split()[0] for line in tagged.output.splitlines()[1:-1]] == ["bro-1"]
    none = runner.invoke(app, ["browse", "nowhere-to-be-found", *setup])
    assert none.exit_code == 0 and none.output.strip() == "No card matches."


def test_json_lists_the_rows(setup):
    result = runner.invoke(app, ["browse", "--json", "--topic", "bro-a", *setup])
    data = json.loads(result.output)
    assert data["total"] == 3
    assert [(c["card_id"], c["state"], c["reviews"]) for c in data["cards"]] == [
        ("bro-1", "learning", 1),
        ("bro-2", "new", 0),
    ]


def test_a_card_page_shows_its_ratings(setup):
    result = runner.invoke(app, ["browse", "--card", "bro-1", *setup])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["card", "bro-1", "(flashcard)"]
    at = lines.index("Ratings")
    assert lines[at + 1].split() == ["when", "as", "rating", "answer", "time", "next", "due"]
    assert lines[at + 2].split()[2:] == ["new", "Again", "self-rated", "1.2", "s", "+1", "min"]
    assert lines[-1] == "Lab runs: none yet"
    as_json = json.loads(runner.invoke(app, ["browse", "--card", "bro-1", "--json", *setup]).output)
    assert [r["rating"] for r in as_json["ratings"]] == ["Again"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--kind", "mcqq"], "error: no kind 'mcqq'; did you mean 'mcq'?"),
        (["is:duee"], "error: no state 'duee'; did you mean 'due'?"),
        (
            ["--card", "bro-11"],
            "error: no card 'bro-11' in the loaded decks; did you mean 'bro-1'?",
        ),
        (['"low rank'], 'error: a quote is not closed; end the phrase with "'),
    ],
)
def test_a_bad_search_is_one_line_and_exit_1(setup, args, said):
    result = runner.invoke(app, ["browse", *args, *setup])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [said]
