"""`studykit stats [DECK...] [--json]` through the real typer app, on a deck file and a store."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import yaml
from fsrs import Rating
from typer.testing import CliRunner

from studykit.cli import app
from studykit.cli.stats import render
from studykit.deck.model import Deck
from studykit.study.clock import utc_now
from studykit.study.session import StudySession
from studykit.study.stats import compute_stats
from studykit.study.store import ProgressStore

runner = CliRunner()

DECK = {
    "id": "cli",
    "title": "CLI deck",
    "description": "cards for the stats command test",
    "topics": [{"id": "cli-basics", "title": "Basics"}, {"id": "cli-more", "title": "More"}],
    "cards": [
        {
            "id": f"cli-{i}",
            "kind": "flashcard",
            "topic": "cli-basics" if i < 3 else "cli-more",
            "front": f"Q{i}",
            "back": f"A{i}",
        }
        for i in range(5)
    ],
}


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """A deck file and a data dir where three cards were rated today (one Again)."""
    monkeypatch.delenv("STUDYKIT_DATA_DIR", raising=False)
    deck_file = tmp_path / "cli.yaml"
    deck_file.write_text(yaml.safe_dump(DECK, sort_keys=False))
    data_dir = tmp_path / "data"
    # A minute ago: the ratings are in the past when the command reads them.
    now = utc_now() - timedelta(minutes=1)
    with ProgressStore.open(data_dir) as store:
        session = StudySession(store, [Deck.model_validate(DECK)], now=now, seed=0)
        for rating in (Rating.Easy, Rating.Again, Rating.Easy):
            session.rate(session.next(), rating, 1500)
    return deck_file, data_dir


def test_stats_json(setup):
    deck_file, data_dir = setup
    result = runner.invoke(app, ["stats", str(deck_file), "--json", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["reviews"], data["cards_seen"], data["cram_reviews"]) == (3, 3, 0)
    assert data["retention"] == pytest.approx(2 / 3)
    assert data["due_today"] == 1  # the card rated Again is in its 1-minute learning step
    assert len(data["due_forecast"]) == 30 and data["due_forecast"][0]["due"] == 1
    assert sum(d["reviews"] for d in data["reviews_per_day"]) == 3
    topics = {t["topic_id"]: (t["mastered"], t["total"]) for t in data["topics"]}
    assert topics == {"cli-basics": (2, 3), "cli-more": (0, 2)}


def test_stats_summary_text(setup):
    deck_file, data_dir = setup
    result = runner.invoke(app, ["stats", str(deck_file), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "Cards seen       3 of 5" in result.output
    assert "67% of ratings not Again" in result.output
    assert "Basics" in result.output and "2/3" in result.output


def test_stats_on_an_empty_store_prints_dashes_not_zero_division(tmp_path):
    deck = Deck.model_validate(DECK)
    with ProgressStore.open(tmp_path) as store:
        text = render(compute_stats(store, [deck]), [0] * 7, 5)
    assert "Retention        – of ratings not Again" in text
    assert "Cards seen       0 of 5" in text


def test_stats_with_a_missing_deck_path_is_one_line(tmp_path):
    result = runner.invoke(app, ["stats", str(tmp_path / "nope.yaml"), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "nope.yaml" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
