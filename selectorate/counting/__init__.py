"""The pure counting core: no I/O, no web, one module per rule.

Use :mod:`selectorate.counting.registry` to find and run a method by name.
"""

from selectorate.counting.result import Action, CountResult, Round, TieBreak

__all__ = ["Action", "CountResult", "Round", "TieBreak"]
