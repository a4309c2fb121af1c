"""Rulebooks as versioned data: loading, validation, versions derived by amendment.

``load_rulebook("labour-2017")`` reads a shipped rulebook (or a folder),
follows its ``derived_from`` chain, applies each version's amendments in
order and validates every procedure against its ``Params``;
``list_rulebooks()`` lists the shipped ones; ``diff(a, b)`` compares two.
"""

from selectorate.rulebooks.diff import Change, diff
from selectorate.rulebooks.document import (
    AppliedAmendment,
    Origin,
    Rule,
    Rulebook,
    RulebookSummary,
    list_rulebooks,
    load_rulebook,
)
from selectorate.rulebooks.errors import RulebookError, UnknownRulebookError

__all__ = [
    "AppliedAmendment",
    "Change",
    "Origin",
    "Rule",
    "Rulebook",
    "RulebookError",
    "RulebookSummary",
    "UnknownRulebookError",
    "diff",
    "list_rulebooks",
    "load_rulebook",
]
