"""Procedures a rulebook governs: motions, trigger ballots, selections, nominations, ...

Each procedure is a module here defining ``Params`` (what a rulebook says about
the procedure, validated from the rulebook file) and a pure ``run``-style
function returning an :class:`~selectorate.procedures.outcome.Outcome` that
explains itself: which rule, which numbers, why.
"""
