"""When an accepted or typed answer is a number, and which one: `2.4`, `2.40`, `+2.4`, `.5`, `1e-3`,
`8,000`, `8 000` and `8_000` are numbers; `2,4`, `1/2`, `8k` and `inf` are text.

A `.` is always the decimal point, so `1.024` is one and a bit, never a thousand and twenty-four;
thousands may be grouped with `,`, a space or `_`, the same mark throughout. The deck model uses
this to check that a card with a `tolerance` has a numeric answer; grading compares numbers by
value, so `2.400` is the answer `2.4`.
"""

from __future__ import annotations

import re
from decimal import Decimal

# The exponent has at most 4 digits and the value at most MAX_DIGITS characters, so comparing and
# subtracting two numbers is bounded work (a Decimal with exponent 10**9 overflows arithmetic).
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d{1,4})?", re.IGNORECASE | re.ASCII)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?P<mark>[, _])\d{3}(?:(?P=mark)\d{3})*(?:\.\d+)?", re.ASCII)
MAX_DIGITS = 400
MAX_MAGNITUDE = 1000  # |exponent| of the leading digit; beyond it the text is not a number


def parse_number(text: str) -> Decimal | None:
    """The value `text` spells, or None when it is not a plain number (see the module docs)."""
    text = text.strip()
    if not text or len(text) > MAX_DIGITS or not (text[0].isdigit() or text[0] in "+-."):
        return None
    grouped = _GROUPED.fullmatch(text)
    if grouped:
        text = text.replace(grouped.group("mark"), "")
    elif not _PLAIN.fullmatch(text):
        return None
    value = Decimal(text)
    if value and abs(value.adjusted()) > MAX_MAGNITUDE:
        return None
    return value
