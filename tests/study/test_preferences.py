"""Study settings: defaults, bounds, saved in the progress store, and used by sessions."""

from __future__ import annotations

import pytest
from study_helpers import NOON, make_deck

from studykit.study.preferences import (
    PreferenceError,
    StudyPreferences,
    load_preferences,
    save_preferences,
)
from studykit.study.session import StudySession
from studykit.study.store import DB_NAME, SCHEMA_VERSION, ProgressStore


def test_a_new_store_has_the_defaults(store):
    assert load_preferences(store) == StudyPreferences(20, 200, 0.9)


def test_saved_settings_survive_reopening(tmp_path):
    with ProgressStore.open(tmp_path) as store:
        save_preferences(store, StudyPreferences(new_per_day=3, desired_retention=0.85))
    with ProgressStore.open(tmp_path) as store:
        assert load_preferences(store) == StudyPreferences(3, 200, 0.85)


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"new_per_day": -1}, "--new-per-day -1 is outside 0-9999"),
        ({"reviews_per_day": 100_000}, "--reviews-per-day 100000 is outside"),
        ({"desired_retention": 1.2}, "--retention 1.2 is outside 0.7-0.99"),
    ],
)
def test_values_out_of_bounds_name_the_option_and_the_default(change, option):
    with pytest.raises(PreferenceError, match=option) as raised:
        StudyPreferences().updated(**change)
    assert "the default is" in str(raised.value)


def test_updated_ignores_options_not_given():
    assert StudyPreferences(new_per_day=5).updated(new_per_day=None, reviews_per_day=9) == (
        StudyPreferences(new_per_day=5, reviews_per_day=9)
    )


def test_a_hand_edited_bad_value_falls_back_to_the_defaults(store):
    store.save_settings({"new_per_day": "lots", "reviews_per_day": "50"})
    assert load_preferences(store) == StudyPreferences(reviews_per_day=50)
    store.save_settings({"desired_retention": "3.0"})  # parses but out of bounds
    assert load_preferences(store) == StudyPreferences(reviews_per_day=50)  # the rest are kept


def test_the_saved_new_card_limit_caps_a_session(store):
    deck = make_deck()
    save_preferences(store, StudyPreferences(new_per_day=1))
    prefs = load_preferences(store)
    session = StudySession(store, [deck], now=NOON, seed=1, new_per_day=prefs.new_per_day)
    assert len(deck.cards) > 1 and session.counts().new == 1


def test_a_version_2_database_gains_the_settings_table(tmp_path):
    with ProgressStore(tmp_path / DB_NAME, target_version=2) as old:
        assert old.schema_version == 2
    with ProgressStore(tmp_path / DB_NAME) as new:
        assert new.schema_version == SCHEMA_VERSION and new.settings() == {}
        save_preferences(new, StudyPreferences(new_per_day=7))
        assert new.settings()["new_per_day"] == "7"


def test_held_back_counts_the_new_cards_beyond_the_daily_limit(store):
    deck = make_deck()
    session = StudySession(store, [deck], now=NOON, seed=1, new_per_day=1)
    assert session.held_back().new == len(deck.cards) - 1
    unlimited = StudySession(store, [deck], now=NOON, seed=1)
    assert unlimited.held_back().new == 0
