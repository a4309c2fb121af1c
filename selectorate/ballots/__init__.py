"""The ballot model shared by every format reader and counting method."""

from selectorate.ballots.model import (
    OVERVOTE,
    Ballot,
    Candidate,
    Election,
    Weight,
)

__all__ = ["OVERVOTE", "Ballot", "Candidate", "Election", "Weight"]
