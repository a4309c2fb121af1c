"""The explicit registry of counting methods.

Each method lives in its own module and is listed here by name, so the CLI,
the web service and the rulebooks all reach a rule the same way::

    from selectorate.counting import registry
    result = registry.count("irv", election, tiebreak_mode="useCandidateOrder")

A method is a function ``(election, **options) -> CountResult``. Unknown
options raise :class:`TypeError` rather than being ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from selectorate.ballots import Election
from selectorate.counting.result import CountResult

CountFunction = Callable[..., CountResult]


@dataclass(frozen=True, slots=True)
class Method:
    """A registered counting method."""

    name: str
    summary: str
    function: CountFunction
    #: True when the method fills ``seats`` seats (False: single winner).
    multi_seat: bool = False


_METHODS: dict[str, Method] = {}


def register(method: Method) -> None:
    """Add ``method`` to the registry (names are unique)."""
    if method.name in _METHODS:
        raise ValueError(f"method {method.name!r} is already registered")
    _METHODS[method.name] = method


def get(name: str) -> Method:
    """The method called ``name``; :class:`KeyError` naming the known ones otherwise."""
    _load()
    try:
        return _METHODS[name]
    except KeyError:
        known = ", ".join(sorted(_METHODS))
        raise KeyError(f"unknown counting method {name!r}; known methods: {known}") from None


def names() -> list[str]:
    """Names of all registered methods, sorted."""
    _load()
    return sorted(_METHODS)


def count(name: str, election: Election, **options: object) -> CountResult:
    """Count ``election`` by the method called ``name``."""
    return get(name).function(election, **options)


_loaded = False


def _load() -> None:
    """Import the method modules once; each registers itself (the list is explicit)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for module in _METHOD_MODULES:
        importlib.import_module(module)


#: Every module that defines a method. Add a new rule here.
_METHOD_MODULES: list[str] = [
    "selectorate.counting.irv",
    "selectorate.counting.stv_rctab",
    "selectorate.counting.multi_pass_irv",
    "selectorate.counting.bottoms_up",
    "selectorate.counting.fptp",
    "selectorate.counting.block_vote",
    "selectorate.counting.electoral_college",
    "selectorate.counting.scottish_stv",
    "selectorate.counting.wigm",
    "selectorate.counting.ers97",
    "selectorate.counting.irish",
    "selectorate.counting.meek",
    "selectorate.counting.warren",
    "selectorate.counting.meek_nz",
]
