"""The explicit list of procedures a rulebook may define.

A rulebook's ``<procedure>.toml`` file is validated against the ``Params``
class of the module registered here under that procedure's name.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: procedure name (as used in rulebook files) -> module path. Add new procedures here.
PROCEDURES: dict[str, str] = {
    "eligibility": "selectorate.procedures.eligibility",
    "nec": "selectorate.procedures.nec",
    "conference": "selectorate.procedures.conference",
    "leadership": "selectorate.procedures.leadership",
    "trigger_ballot": "selectorate.procedures.trigger_ballot",
    "reselection": "selectorate.procedures.reselection",
    "selection": "selectorate.procedures.selection",
    "motion": "selectorate.procedures.motion",
    "general_secretary": "selectorate.procedures.general_secretary",
}


def module(name: str) -> ModuleType:
    """The module implementing procedure ``name``; KeyError naming the known ones otherwise."""
    try:
        path = PROCEDURES[name]
    except KeyError:
        known = ", ".join(sorted(PROCEDURES))
        raise KeyError(f"unknown procedure {name!r}; known procedures: {known}") from None
    return importlib.import_module(path)


def params_type(name: str) -> type:
    """The ``Params`` class of procedure ``name``."""
    return module(name).Params
