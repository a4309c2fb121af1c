"""Matching members' names across exports (for matching only: output keeps names as printed).

The same member is printed differently by different sources: "Mr Roger Godsiff" and
"Roger Godsiff", "Sir George Howarth" and "Mr George Howarth", and the Commons Votes
CSV turns some non-ASCII characters into "?" ("Th?r?se Coffey" for "Thérèse Coffey").
Source: ``shared/facts/divisions.md`` §3, pitfall 6; the "?" substitution is visible in
``shared/conformance/divisions/commonsvotes_2019/Division562.csv``.

The key therefore drops a leading honorific, folds case and spacing, and turns every
non-ASCII character and every "?" into "?", so both printings of a name meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Honorifics printed before a member's name, longest first (so "Rt Hon Sir" goes whole).
HONORIFICS = (
    "the rt hon",
    "rt hon",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "sir",
    "dame",
    "lord",
    "lady",
    "prof",
    "professor",
)
_HONORIFIC = re.compile(r"^(?:(?:" + "|".join(re.escape(h) for h in HONORIFICS) + r")\.?\s+)+")


@lru_cache(maxsize=8192)
def match_key(name: str) -> str:
    """The key two printings of one member's name share, e.g. ``"roger godsiff"``.

    ``match_key("Mr Roger Godsiff") == match_key("Roger Godsiff")`` and
    ``match_key("Thérèse Coffey") == match_key("Th?r?se Coffey") == "th?r?se coffey"``.
    """
    text = " ".join(unicodedata.normalize("NFC", name).split())
    # "?" before folding case: casefold() would turn "ß" into two letters where CSV has one "?".
    text = "".join(c if c.isascii() else "?" for c in text).lower()
    return _HONORIFIC.sub("", text)


def printing_rank(name: str) -> int:
    """How many characters the printing lost to "?": the printing with fewest is preferred."""
    return name.count("?")
