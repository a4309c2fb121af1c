"""atheris (libFuzzer) harness for the ballot, register and rulebook readers; not run in CI.

    python fuzz/fuzz_readers.py TARGET [libFuzzer options] [corpus folders]
    python fuzz/fuzz_readers.py --list

``TARGET`` is one of the targets of ``tests/fuzz_targets.py`` (the same targets
the hypothesis tests fuzz: ``blt``, ``preflib``, ``csv``, ``rctab_config``,
``rctab_ess_sheet``, ``register``, ``rulebook_derived`` ...). The selectorate
modules are imported under ``atheris.instrument_imports()`` so libFuzzer sees
their Python branch coverage. Each input is handed to the target's runner, which
writes it where the reader expects its file and calls the public reading
function. The reader's documented error (``BallotFileError`` naming the file,
``RulebookError`` naming file and key, on one line) is an expected outcome;
any other exception propagates, and atheris saves the input as ``crash-<sha1>``.
Hangs are caught with libFuzzer's ``-timeout``, memory blow-ups with
``-rss_limit_mb``. ``fuzz/run_atheris.sh`` runs every target with a seed corpus
and a dictionary; see ``notes/rel_H4.md`` for the figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

with atheris.instrument_imports(include=["selectorate"]):
    import selectorate.formats.blt
    import selectorate.formats.csv_ballots
    import selectorate.formats.detect
    import selectorate.formats.irish_evote
    import selectorate.formats.preflib
    import selectorate.formats.rctab
    import selectorate.formats.rctab.cdf_json
    import selectorate.formats.rctab.cdf_xml
    import selectorate.procedures.leadership
    import selectorate.procedures.trigger_ballot
    import selectorate.rulebooks
    import selectorate.rulebooks.register
    import selectorate.rulebooks.whatif  # noqa: F401

import fuzz_targets  # noqa: E402  (after the instrumented imports)


def write_corpus(name: str, folder: Path) -> int:
    """Write ``name``'s seeds into ``folder`` (one file each); the number written."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = fuzz_targets.TARGETS[name].seeds()
    for k, seed in enumerate(seeds):
        (folder / f"seed-{k:03d}").write_bytes(seed)
    return len(seeds)


def write_dict(name: str, path: Path) -> int:
    """A libFuzzer dictionary for ``name``: awkward values and the seeds' words and tags."""
    import re

    from fuzz_strategies import AWKWARD

    words: dict[bytes, None] = {}
    for token in AWKWARD:
        if token and len(token) < 64:
            words[token.encode("utf-8", "surrogatepass")] = None
    for seed in fuzz_targets.TARGETS[name].seeds():
        for word in re.findall(rb'"[^"\n]{1,40}"|</?[A-Za-z:]{1,40}>?|[A-Za-z_@]{2,40}', seed):
            words.setdefault(word, None)
            if len(words) >= 400:
                break
    lines = []
    for k, word in enumerate(words):
        escaped = "".join(
            chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\x{b:02x}" for b in word
        )
        lines.append(f'w{k}="{escaped}"')
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return len(lines)


def main() -> None:
    """Fuzz the target named by the first argument (or write its corpus or dictionary)."""
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help", "--list"):
        print("targets:", " ".join(sorted(fuzz_targets.TARGETS)))
        return
    if sys.argv[1] in ("--write-corpus", "--write-dict"):
        what, name, out = sys.argv[1:4]
        write = write_corpus if what == "--write-corpus" else write_dict
        print(write(name, Path(out)))
        return
    name = sys.argv.pop(1)
    target = fuzz_targets.TARGETS[name]
    if not target.available():
        sys.exit(f"{name}: the shared conformance data it needs is missing")
    workdir = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-", dir=_scratch()))
    run = target.setup(workdir)

    def test_one_input(data: bytes) -> None:
        try:
            run(data)
        except target.error as exc:
            problem = fuzz_targets.check_clear(target, exc)
            if problem is not None:
                raise AssertionError(f"{name}: {problem}") from exc

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


def _scratch() -> str | None:
    """``$FUZZ_SCRATCH``, else a RAM-backed folder when there is one (every input is a file)."""
    if os.environ.get("FUZZ_SCRATCH"):
        return os.environ["FUZZ_SCRATCH"]
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() else None


if __name__ == "__main__":
    main()
