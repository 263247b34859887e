"""The learner's study settings: daily limits, desired retention, which siblings wait and the
FSRS parameters fitted to them, kept in the progress store.

They live beside the progress they shape, so `--data-dir` (or $STUDYKIT_DATA_DIR) selects both,
and `studykit settings` changes them once instead of on every `studykit study`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from studykit.study.picking import BURY_CHOICES
from studykit.study.scheduler import RETENTION_BOUNDS, SchedulerSettings, parameters_problem
from studykit.study.store import ProgressStore

# Each setting: the `studykit settings` option that sets it, its bounds, and what it means.
LIMITS = {
    "new_per_day": ("--new-per-day", 0, 9999, "new cards introduced per day"),
    "reviews_per_day": ("--reviews-per-day", 0, 99999, "due reviews shown per day"),
    "desired_retention": (
        "--retention",
        *RETENTION_BOUNDS,
        "the chance of recall fsrs aims for when a card comes due",
    ),
}


# Settings that are one of a few words: the option, the choices, what it means.
CHOICES = {
    "bury_siblings": (
        "--bury-siblings",
        BURY_CHOICES,
        "which siblings of a card seen today wait for another day",
    ),
}


class PreferenceError(ValueError):
    """A setting out of bounds; the message names the setting, the bounds and the default."""


@dataclass(frozen=True)
class StudyPreferences:
    new_per_day: int = 20
    reviews_per_day: int = 200
    # lower means fewer reviews and more forgetting; the default is the scheduler's (0.9)
    desired_retention: float = SchedulerSettings.desired_retention
    # "new": a new card whose sibling was seen today waits for another day (Anki's default);
    # "all": reviews too; "none": siblings are shown the same day (spread apart all the same)
    bury_siblings: str = "new"
    # FSRS's model parameters fitted to this learner's reviews (`studykit settings --optimize`);
    # None: fsrs's defaults, fitted to many learners
    parameters: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        defaults = StudyPreferences.__dataclass_fields__
        if self.parameters is not None and (why := parameters_problem(self.parameters)):
            raise PreferenceError(
                f"the FSRS parameters are not usable ({why}); run `studykit settings "
                "--optimize` again, or --default-parameters to go back to fsrs's"
            )
        for name, (option, low, high, meaning) in LIMITS.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise PreferenceError(
                    f"{option} {value} is outside {low}-{high} ({meaning}); "
                    f"the default is {defaults[name].default}"
                )
        for name, (option, choices, meaning) in CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                raise PreferenceError(
                    f"{option} {value} is not one of {', '.join(choices)} ({meaning}); "
                    f"the default is {defaults[name].default}"
                )

    def scheduler_settings(self) -> SchedulerSettings:
        return SchedulerSettings(
            desired_retention=self.desired_retention, parameters=self.parameters
        )

    def updated(self, **changes: Any) -> StudyPreferences:
        """A copy with the given (non-None) settings changed; raises PreferenceError if bad."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_preferences(store: ProgressStore) -> StudyPreferences:
    """The saved settings, defaults for any not saved (or no longer valid)."""
    saved = store.settings()
    preferences = StudyPreferences()
    for field in fields(StudyPreferences):
        if field.name not in saved:
            continue
        # One at a time, so a hand-edited bad value costs only its own setting.
        try:
            # int, float or str as the default is; the parameters are a JSON list
            parse = PARSERS.get(field.name, type(getattr(preferences, field.name)))
            value = parse(saved[field.name])
            preferences = replace(preferences, **{field.name: value})
        except ValueError:  # does not parse, or out of bounds (PreferenceError): keep the default
            continue
    return preferences


def _parameters_from_text(text: str) -> tuple[float, ...] | None:
    value = json.loads(text)  # a JSONDecodeError is a ValueError
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value
    ):
        raise ValueError("the parameters are a JSON list of numbers")
    return tuple(float(x) for x in value)


PARSERS = {"parameters": _parameters_from_text}


def save_preferences(store: ProgressStore, preferences: StudyPreferences) -> None:
    values = asdict(preferences)
    parameters = values.pop("parameters")
    texts = {key: str(value) for key, value in values.items()}
    texts["parameters"] = json.dumps(None if parameters is None else list(parameters))
    store.save_settings(texts)
