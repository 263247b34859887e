"""Ids for imported cards, topics and decks: slugs that fit the deck format's id pattern.

A card id comes from the question's own title when it has one (`::Backprop 1::` -> `backprop-1`),
otherwise from the deck id and a counter (`week-3-007`). Ids stay unique within the import by
appending `-2`, `-3`… to a repeat.
"""

from __future__ import annotations

import re
import unicodedata

MAX_ID_LENGTH = 60  # the format allows 80; leave room for a prefix and a -2 suffix
_NOT_ID = re.compile(r"[^a-z0-9._-]+")


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


class IdAllocator:
    """Hands out unique ids, suffixing repeats with -2, -3…"""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.taken: set[str] = set()

    def take(self, wanted: str) -> str:
        base = self.prefix + wanted
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.taken.add(candidate)
        return candidate
