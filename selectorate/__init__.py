"""selectorate: run a membership organisation's internal democracy by its rulebook.

The package is laid out by domain (see ARCHITECTURE.md):

- ``selectorate.ballots``  — the ballot model: candidates, ranked ballots, elections;
- ``selectorate.formats``  — readers and writers of ballot files (BLT, PrefLib, CSV, RCTab CVRs);
- ``selectorate.counting`` — the pure counting core, one module per rule, and its registry;
- ``selectorate.reports``  — renderings of a count's result (text, JSON, CSV, HTML);
- ``selectorate.cli``      — the ``selectorate`` command.
"""

__version__ = "0.1.0"
