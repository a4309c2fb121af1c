"""Seeded synthetic ranked-ballot profiles for the speed-and-memory benchmark.

The model (the one described in ``../shared/facts/python_peers.md`` §2, re-implemented
here; the peers note's own script is not shipped, so figures from this generator are
comparable in kind but not ballot-for-ballot):

* **A mixture of 4 Plackett–Luce blocs.** Bloc shares ~ Dirichlet(2, 2, 2, 2). Each bloc
  ``b`` gives each candidate ``c`` a strength ``w[b, c] ~ lognormal(0, 1.5)``.
* **Sampling by Gumbel-max.** A voter of bloc ``b`` ranks the candidates in decreasing
  order of ``log w[b, c] + G_c`` with ``G_c`` i.i.d. standard Gumbel; this draws a full
  Plackett–Luce ranking with the bloc's strengths.
* **Truncation.** 15 % of voters rank every candidate; the others rank the top
  ``min(C, geometric(0.3))`` (at least one). Mean length: 4.3 of 10 candidates.
  No equal ranks, no skipped ranks, no blank ballots.
* Every profile is drawn from ``numpy.random.default_rng(seed)`` (default seed 17) in a
  fixed order of draws, so the same (N, C, seed) always gives the same ballots on any
  machine with the same NumPy major version.

Files written for one profile (``<dir>/<name>.*``):

* ``.npy`` — the canonical matrix: ``int8[N, C]``, row ``i`` holds ballot ``i``'s
  candidate indices (0-based) in rank order, padded with ``-1``. Every peer is fed
  from this matrix (the cheapest possible input for them).
* ``.blt`` — the same ballots in BLT (OpenSTV/ERS) with identical rankings grouped into
  one weighted line (``weight c1 c2 ... 0``), groups in lexicographic order of the
  ranking. This is what selectorate reads in the headline rows.
* ``.csv`` — one row per ballot, header ``Rank 1..Rank C``, cells are candidate names,
  empty after the last preference (a rank-column CVR, as RCTab's generic CSV and
  votekit's ``load_ranking_csv`` use).
* ``.json`` — metadata: N, C, seed, candidate names, number of distinct rankings.

NumPy is imported inside the functions, so the harness's child processes can import
``profile_files`` without loading NumPy into a tool's memory figure.

Run ``python bench/profiles.py --n 100000 --c 10 --out /tmp/x`` to write one profile.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DEFAULT_SEED = 17
BLOCS = 4
DIRICHLET_ALPHA = 2.0
LOGNORMAL_SIGMA = 1.5
FULL_SHARE = 0.15
GEOMETRIC_P = 0.3


def candidate_names(c: int) -> list[str]:
    """Candidate names used in every file: ``C0`` … ``C{c-1}`` (index = name suffix)."""
    return [f"C{i}" for i in range(c)]


def generate(n: int, c: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Draw ``n`` ballots over ``c`` candidates; return the ``int8[n, c]`` matrix (-1 padded)."""
    import numpy as np

    if not 2 <= c <= 127:
        raise ValueError("c must be between 2 and 127 (int8 matrix)")
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.full(BLOCS, DIRICHLET_ALPHA))
    log_strength = np.log(rng.lognormal(0.0, LOGNORMAL_SIGMA, size=(BLOCS, c)))
    bloc = rng.choice(BLOCS, size=n, p=shares)
    out = np.full((n, c), -1, dtype=np.int8)
    lengths = np.minimum(c, rng.geometric(GEOMETRIC_P, size=n))
    lengths[rng.random(n) < FULL_SHARE] = c
    # Chunked so that the float64 key matrix stays small at N = 1M.
    chunk = 200_000
    cols = np.arange(c)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        keys = log_strength[bloc[start:stop]] + rng.gumbel(size=(stop - start, c))
        order = np.argsort(-keys, axis=1, kind="stable").astype(np.int8)
        keep = cols[None, :] < lengths[start:stop, None]
        out[start:stop] = np.where(keep, order, np.int8(-1))
    return out


def group(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``matrix`` in lexicographic order, and how often each occurs.

    Same result as ``np.unique(matrix, axis=0, return_counts=True)``, which sorts rows
    as raw bytes and takes ~5 s at 1M x 10; here each row is first packed into one
    int64 (digits ``x + 1`` in base ``C + 1``, order-preserving), ~0.1 s.
    """
    import numpy as np

    n, c = matrix.shape
    if (c + 1) ** c >= 2**63:
        return np.unique(matrix, axis=0, return_counts=True)
    powers = (c + 1) ** np.arange(c - 1, -1, -1, dtype=np.int64)
    keys = (matrix.astype(np.int64) + 1) @ powers
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return matrix[first], counts


def blt_text(matrix: np.ndarray, names: list[str], title: str) -> str:
    """The profile as BLT, identical rankings grouped into one weighted line."""
    rows, counts = group(matrix)
    c = matrix.shape[1]
    lines = [f"{c} 1"]
    for row, weight in zip(rows.tolist(), counts.tolist(), strict=True):
        prefs = " ".join(str(x + 1) for x in row if x >= 0)
        lines.append(f"{weight} {prefs} 0")
    lines.append("0")
    lines.extend(f'"{name}"' for name in names)
    lines.append(f'"{title}"')
    return "\n".join(lines) + "\n"


def csv_text(matrix: np.ndarray, names: list[str]) -> str:
    """The profile as a rank-column CSV, one row per ballot."""
    c = matrix.shape[1]
    lookup = names + [""]  # index -1 -> empty cell
    header = ",".join(f"Rank {k + 1}" for k in range(c))
    body = [",".join(lookup[x] for x in row) for row in matrix.tolist()]
    return header + "\n" + "\n".join(body) + "\n"


@dataclass(frozen=True)
class ProfileFiles:
    """Where one written profile lives."""

    name: str
    npy: Path
    blt: Path
    csv: Path
    meta: Path

    def metadata(self) -> dict:
        """The profile's metadata (N, C, seed, names, distinct rankings)."""
        return json.loads(self.meta.read_text())


def profile_files(out_dir: Path, name: str) -> ProfileFiles:
    """The file paths for profile ``name`` under ``out_dir`` (not created)."""
    base = out_dir / name
    return ProfileFiles(
        name,
        base.with_suffix(".npy"),
        base.with_suffix(".blt"),
        base.with_suffix(".csv"),
        base.with_suffix(".json"),
    )


def write_profile(
    out_dir: Path, name: str, n: int, c: int, seed: int = DEFAULT_SEED
) -> ProfileFiles:
    """Generate a profile and write all its files, unless they already exist for the same spec."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = profile_files(out_dir, name)
    spec = {"n": n, "c": c, "seed": seed, "model": "pl4-v1"}
    if files.meta.exists() and all(p.exists() for p in (files.npy, files.blt, files.csv)):
        meta = files.metadata()
        if {k: meta.get(k) for k in spec} == spec:
            return files
    import numpy as np

    matrix = generate(n, c, seed)
    names = candidate_names(c)
    np.save(files.npy, matrix)
    files.blt.write_text(blt_text(matrix, names, f"synthetic IRV {name} seed {seed}"))
    files.csv.write_text(csv_text(matrix, names))
    distinct = int(group(matrix)[0].shape[0])
    lengths = (matrix >= 0).sum(axis=1)
    first = np.bincount(matrix[:, 0], minlength=c)
    meta = dict(
        spec,
        names=names,
        distinct_rankings=distinct,
        mean_ranked=round(float(lengths.mean()), 3),
        first_preferences=first.tolist(),
    )
    files.meta.write_text(json.dumps(meta, indent=1) + "\n")
    return files


def main() -> None:
    """Command line: write one profile."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, required=True, help="number of ballots")
    ap.add_argument("--c", type=int, default=10, help="number of candidates")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=Path("/tmp/selectorate-bench"))
    ap.add_argument("--name", default=None, help="file stem (default irv-<n>)")
    args = ap.parse_args()
    files = write_profile(args.out, args.name or f"irv-{args.n}", args.n, args.c, args.seed)
    print(json.dumps({k: v for k, v in files.metadata().items() if k != "names"}))


if __name__ == "__main__":
    main()
