"""The study layer, free of any UI: grading, fsrs scheduling, the progress store, sessions, stats.

grading.py   present a card (shuffled per review) and grade an answer; suggest a rating
scheduler.py fsrs settings, one review step, leeches, mastery
store.py     the SQLite progress store (WAL, a commit per review, versioned schema)
session.py   StudySession: what to show next, rate, undo, suspend, bury, cram; deck_overview
preferences.py daily limits and desired retention, saved in the store (`studykit settings`)
stats.py     totals, retention, due forecast and reviews per day for `studykit stats` and the TUI
"""
