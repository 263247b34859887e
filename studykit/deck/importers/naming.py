"""Ids for imported cards, topics and decks: slugs that fit the deck format's id pattern.

A card id is the prefix (by default the deck id and a dash) and the question's own title when it
has one (`::Backprop 1::` -> `week-3-backprop-1`), otherwise a short hash of the question's kind
and normalised text (`week-3-5f1c09ab`): so re-importing an edited bank gives every unchanged
question its id again, wherever it now stands. Ids stay unique within the import by appending
`-2`, `-3`… to a repeat.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

MAX_ID_LENGTH = 60  # the format allows 80; leave room for a prefix and a -2 suffix
_MAX_FULL_ID = 76  # prefix and slug together, leaving room for a "-99" suffix under 80
_NOT_ID = re.compile(r"[^a-z0-9._-]+")
# The fields that hold a question's text, whichever kind it is.
_PROMPT_FIELDS = ("question", "statement", "prompt", "front", "text")


def slugify(value: str) -> str:
    """Lowercase ASCII letters, digits, dots, dashes and underscores, starting with a letter or
    digit; "" when nothing usable is left (e.g. a title written only in symbols)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = _NOT_ID.sub("-", ascii_text.lower()).strip("-._")
    slug = re.sub(r"-{2,}", "-", slug)
    if len(slug) > MAX_ID_LENGTH:
        cut = slug[:MAX_ID_LENGTH]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[MAX_ID_LENGTH // 2 :] else cut
        slug = slug.rstrip("-._")
    return slug


def text_hash(card: dict[str, Any]) -> str:
    """8 hex digits from a question's kind and its text, normalised (case, Unicode forms and
    whitespace do not count), for a question that has no name of its own."""
    text = next((card[f] for f in _PROMPT_FIELDS if isinstance(card.get(f), str)), "")
    normal = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return hashlib.blake2s(f"{card.get('kind')}\n{normal}".encode(), digest_size=4).hexdigest()


class IdAllocator:
    """Hands out unique ids, suffixing repeats with -2, -3…"""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.taken: set[str] = set()

    def peek(self, wanted: str) -> str:
        """The id `take(wanted)` would hand out, without taking it."""
        # A title that already starts with the prefix (an id exported as the question's title)
        # keeps it once, so export and re-import give the same ids.
        base = wanted if wanted.startswith(self.prefix) else self.prefix + wanted
        if len(base) > _MAX_FULL_ID:
            base = base[:_MAX_FULL_ID].rstrip("-._")
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def take(self, wanted: str) -> str:
        candidate = self.peek(wanted)
        self.taken.add(candidate)
        return candidate
