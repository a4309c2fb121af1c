"""The explained outcome every procedure returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Figure:
    """One number behind a decision, e.g. ("threshold", "35", "ceil(15% × 232 MPs)")."""

    name: str
    value: str  # exact, as text: "35", "1/3", "66%"
    how: str = ""


@dataclass(slots=True)
class Outcome:
    """What a procedure decided, under which rule, with the figures and reasons.

    ``decision`` is a short machine-readable word ("passed", "failed",
    "triggered", "reselected", "nominated", "eligible", ...); ``summary`` is
    one sentence for a member; ``rule`` cites the rulebook version and clause;
    ``source`` the document it comes from; ``details`` holds per-item outcomes
    (per candidate, per member, per branch) for tables.
    """

    procedure: str
    decision: str
    summary: str
    rulebook: str  # rulebook id, e.g. "labour-2017"
    rule: str  # e.g. "Chapter 4, Clause II.2.B.i: 15% of the PLP"
    source: str = ""
    binding: bool = True
    figures: list[Figure] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    details: list[Outcome] = field(default_factory=list)
    subject: str = ""  # who or what the outcome is about (a candidate, a member, an MP)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (deterministic key order)."""
        return {
            "procedure": self.procedure,
            "subject": self.subject,
            "decision": self.decision,
            "summary": self.summary,
            "rulebook": self.rulebook,
            "rule": self.rule,
            "source": self.source,
            "binding": self.binding,
            "figures": [{"name": f.name, "value": f.value, "how": f.how} for f in self.figures],
            "reasons": list(self.reasons),
            "details": [d.to_dict() for d in self.details],
        }
