"""Ballots packed into numpy arrays: a compact, read-only ``Sequence[Ballot]``.

A reader that meets a million simple ballots need not build a million
:class:`~selectorate.ballots.model.Ballot` objects: :class:`PackedBallots` holds
them in three arrays and makes a ``Ballot`` only when one is asked for.

* ``weights`` — ``int64[n]``, the weight of each ballot (a whole number);
* ``offsets`` — ``int64[n + 1]``, ballot ``i``'s marks are
  ``marks[offsets[i]:offsets[i + 1]]`` (``offsets[0] == 0``);
* ``marks`` — ``int32[offsets[n]]``, candidate indices (``>= 0``), one per rank.

So the packed form holds only ballots whose every rank names exactly one
candidate: no skipped ranks, no overvotes, no equal rankings, no labels,
precincts or batches, whole weights. A candidate may appear at several ranks
(a duplicate ranking is a ballot as cast, see :mod:`selectorate.ballots.model`);
a ballot with no marks is a blank ballot. Readers use the packed form only when
every ballot of the file fits it; ballot ``i`` is then
``Ballot(tuple((m,) for m in marks[offsets[i]:offsets[i + 1]]), int(weights[i]))``.

A ``PackedBallots`` equals any sequence holding equal ``Ballot`` objects in the
same order (a ``list`` included), so code written for ``list[Ballot]`` keeps
working; counting code that knows the arrays (the RCTab engine) reads them
directly instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np

from selectorate.ballots.model import Ballot

__all__ = ["PackedBallots"]

_INT64_MAX = 2**63 - 1

#: Shared one-candidate rank tuples ``(k,)``, grown on demand.
_SINGLES: list[tuple[int, ...]] = [(k,) for k in range(64)]


def _singles(size: int) -> list[tuple[int, ...]]:
    """The shared ``(k,)`` tuples for ``k < size``."""
    if len(_SINGLES) < size:
        _SINGLES.extend((k,) for k in range(len(_SINGLES), size))
    return _SINGLES


def _readonly(array: np.ndarray) -> np.ndarray:
    """``array`` itself if it is read-only already, else a read-only view of it."""
    if array.flags.writeable:
        array = array.view()
        array.flags.writeable = False
    return array


def _int_array(values: object, dtype: type, name: str, copy: bool) -> np.ndarray:
    """``values`` as a 1-D array of ``dtype``; :class:`ValueError` unless whole and in range."""
    array = np.asarray(values)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"packed {name} must be whole numbers that fit {np.dtype(dtype).name}")
    if array.dtype != dtype:
        info = np.iinfo(dtype)
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise ValueError(f"packed {name} must fit {np.dtype(dtype).name}")
        return array.astype(dtype)
    return array.copy() if copy else array


class PackedBallots(Sequence[Ballot]):
    """An immutable sequence of simple ballots stored in numpy arrays (module docstring).

    ``PackedBallots(weights, offsets, marks)`` copies the three arrays (pass
    ``copy=False`` to hand over arrays nobody else will change) and checks that
    they describe ``len(weights)`` ballots. Indexing and iteration make
    :class:`Ballot` objects on the fly; a slice is another ``PackedBallots``.
    """

    __slots__ = ("_marks", "_offsets", "_weights")

    def __init__(
        self,
        weights: np.ndarray | Sequence[int],
        offsets: np.ndarray | Sequence[int],
        marks: np.ndarray | Sequence[int],
        *,
        copy: bool = True,
    ) -> None:
        w = _int_array(weights, np.int64, "weights", copy)
        o = _int_array(offsets, np.int64, "offsets", copy)
        m = _int_array(marks, np.int32, "marks", copy)
        if w.ndim != 1 or o.ndim != 1 or m.ndim != 1:
            raise ValueError("packed weights, offsets and marks must be one-dimensional")
        if o.size != w.size + 1 or o[0] != 0 or o[-1] != m.size:
            raise ValueError(
                "offsets must hold len(weights) + 1 entries, from 0 to len(marks)"
            )
        if (np.diff(o) < 0).any():
            raise ValueError("offsets must not decrease")
        if m.size and m.min() < 0:
            raise ValueError("packed marks must be candidate indices (>= 0)")
        self._weights = _readonly(w)
        self._offsets = _readonly(o)
        self._marks = _readonly(m)

    @classmethod
    def from_ballots(cls, ballots: Iterable[Ballot]) -> PackedBallots:
        """Pack ``ballots``; :class:`ValueError` if one of them does not fit the packed form."""
        weights: list[int] = []
        lengths: list[int] = []
        marks: list[int] = []
        for n, b in enumerate(ballots, start=1):
            if b.label is not None or b.precinct is not None or b.batch is not None:
                raise ValueError(f"ballot {n} has a label, precinct or batch")
            if type(b.weight) is not int or not 0 <= b.weight <= _INT64_MAX:
                raise ValueError(f"ballot {n}: weight {b.weight!r} is not a whole number in int64")
            for rank in b.rankings:
                if len(rank) != 1 or type(rank[0]) is not int or not 0 <= rank[0] < 2**31:
                    raise ValueError(f"ballot {n}: rank {rank!r} is not one candidate")
                marks.append(rank[0])
            weights.append(b.weight)
            lengths.append(len(b.rankings))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(weights, offsets, marks, copy=False)

    # ------------------------------------------------------------------ arrays

    @property
    def weights(self) -> np.ndarray:
        """``int64[n]``: each ballot's weight (read-only)."""
        return self._weights

    @property
    def offsets(self) -> np.ndarray:
        """``int64[n + 1]``: ballot ``i``'s marks are ``marks[offsets[i]:offsets[i + 1]]``."""
        return self._offsets

    @property
    def marks(self) -> np.ndarray:
        """``int32[offsets[-1]]``: candidate indices, one per rank (read-only)."""
        return self._marks

    @property
    def lengths(self) -> np.ndarray:
        """``int64[n]``: the number of ranks of each ballot."""
        return np.diff(self._offsets)

    def dense(self, fill: int = -1) -> np.ndarray:
        """The ``int64[n, width]`` rank matrix, ``fill`` after each ballot's last rank."""
        n = len(self)
        lengths = self.lengths
        width = int(lengths.max()) if n else 0
        out = np.full((n, width), fill, dtype=np.int64)
        if self._marks.size:
            rows = np.repeat(np.arange(n), lengths)
            cols = np.arange(self._marks.size) - np.repeat(self._offsets[:-1], lengths)
            out[rows, cols] = self._marks
        return out

    def total_weight(self) -> int:
        """The sum of all weights, exactly (a Python ``int``)."""
        w = self._weights
        if not w.size:
            return 0
        if int(np.abs(w).max()) * w.size <= _INT64_MAX:
            return int(w.sum())
        return sum(w.tolist())

    # ------------------------------------------------------------------ grouping

    def group_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Identical rankings: ``(first, inverse)``, groups in order of first appearance.

        ``first[g]`` is the position of the first ballot of group ``g`` (increasing);
        ``inverse[i]`` is the group of ballot ``i``. Weights play no part.
        """
        n = len(self)
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        keys = self._int_keys()
        if keys is not None:
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            starts = np.empty(n, dtype=bool)
            starts[0] = True
            np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=starts[1:])
        else:
            dense = self.dense()
            columns = [dense[:, j] for j in range(dense.shape[1] - 1, -1, -1)]
            order = np.lexsort(columns) if columns else np.arange(n)
            rows = dense[order]
            starts = np.empty(n, dtype=bool)
            starts[0] = True
            if rows.shape[1]:
                (rows[1:] != rows[:-1]).any(axis=1, out=starts[1:])
            else:
                starts[1:] = False
        if starts.all():  # every ranking distinct (the usual grouped file)
            every = np.arange(n, dtype=np.int64)
            return every, every.copy()
        # Stable sorts keep equal keys in file order: a run's first entry is its first ballot.
        run_first = order[starts]
        run_of_sorted = np.cumsum(starts) - 1
        by_appearance = np.argsort(run_first, kind="stable")
        group_of_run = np.empty(run_first.size, dtype=np.int64)
        group_of_run[by_appearance] = np.arange(run_first.size)
        inverse = np.empty(n, dtype=np.int64)
        inverse[order] = group_of_run[run_of_sorted]
        return run_first[by_appearance], inverse

    def _int_keys(self) -> np.ndarray | None:
        """One int64 per ballot, equal exactly when the rankings are, or None if too wide.

        Ranking ``(m0, m1, ...)`` becomes ``sum((m_j + 1) * base**j)`` with
        ``base = max mark + 2``: digit 0 is "no rank", so lengths differ too.
        """
        lengths = self.lengths
        width = int(lengths.max())
        base = int(self._marks.max()) + 2 if self._marks.size else 2
        if base**width > _INT64_MAX:
            return None
        keys = np.zeros(len(self), dtype=np.int64)
        starts = self._offsets[:-1]
        rows = np.flatnonzero(lengths)
        power = 1
        for j in range(width):  # Horner's rule by rank, over the ballots that long
            if j:
                rows = rows[lengths[rows] > j]
            keys[rows] += (self._marks[starts[rows] + j].astype(np.int64) + 1) * power
            power *= base
        return keys

    def grouped(self) -> PackedBallots:
        """Identical rankings merged, weights summed, in order of first appearance.

        :class:`OverflowError` if a summed weight does not fit int64.
        """
        if not len(self):
            return self
        first, inverse = self.group_index()
        sums = group_sums(self._weights, inverse, first.size)
        if sums.dtype != np.int64:
            raise OverflowError("a grouped weight does not fit in int64")
        return self.take(first, weights=sums)

    # ------------------------------------------------------------------ Sequence

    def __len__(self) -> int:
        return self._weights.size

    @overload
    def __getitem__(self, index: int) -> Ballot: ...

    @overload
    def __getitem__(self, index: slice) -> PackedBallots: ...

    def __getitem__(self, index: int | slice) -> Ballot | PackedBallots:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1:
                stop = max(start, stop)
                o = self._offsets[start : stop + 1]
                return PackedBallots(
                    self._weights[start:stop],
                    o - o[0],
                    self._marks[o[0] : o[-1]],
                    copy=False,
                )
            return self.take(np.arange(start, stop, step, dtype=np.int64))
        n = len(self)
        i = index.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("PackedBallots index out of range")
        a, b = int(self._offsets[i]), int(self._offsets[i + 1])
        marks = self._marks[a:b].tolist()
        singles = _singles(max(marks, default=-1) + 1)
        return Ballot(tuple([singles[m] for m in marks]), int(self._weights[i]))

    def __iter__(self) -> Iterator[Ballot]:
        if not len(self):
            return
        singles = _singles(int(self._marks.max(initial=-1)) + 1)
        ranks = [singles[m] for m in self._marks.tolist()]
        offsets = self._offsets.tolist()
        for i, w in enumerate(self._weights.tolist()):
            yield Ballot(tuple(ranks[offsets[i] : offsets[i + 1]]), w)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedBallots):
            return (
                len(self) == len(other)
                and np.array_equal(self._weights, other._weights)
                and np.array_equal(self._offsets, other._offsets)
                and np.array_equal(self._marks, other._marks)
            )
        if isinstance(other, Sequence) and not isinstance(other, str | bytes | bytearray):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which are unhashable

    def __repr__(self) -> str:
        return f"PackedBallots({len(self)} ballots, {self._marks.size} marks)"

    def __reduce__(self) -> tuple[object, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return (PackedBallots, (self._weights, self._offsets, self._marks))

    # ------------------------------------------------------------------ selecting

    def take(self, rows: np.ndarray, *, weights: np.ndarray | None = None) -> PackedBallots:
        """The ballots at positions ``rows`` (in that order), optionally with new weights."""
        lengths = self.lengths[rows]
        offsets = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        total = int(offsets[-1])
        source = np.arange(total, dtype=np.int64) + np.repeat(
            self._offsets[:-1][rows] - offsets[:-1], lengths
        )
        return PackedBallots(
            self._weights[rows] if weights is None else weights,
            offsets,
            self._marks[source],
            copy=False,
        )


def group_sums(weights: np.ndarray, inverse: np.ndarray, groups: int) -> np.ndarray:
    """The sum of ``weights`` per group, exactly: int64, or Python ints (object) if needed."""
    if not weights.size:
        return np.zeros(groups, dtype=np.int64)
    if int(np.abs(weights).max()) * weights.size <= _INT64_MAX:
        out = np.zeros(groups, dtype=np.int64)
        np.add.at(out, inverse, weights)
        return out
    sums = [0] * groups
    for g, w in zip(inverse.tolist(), weights.tolist(), strict=True):
        sums[g] += w
    out = np.empty(groups, dtype=object)
    out[:] = sums
    if all(-_INT64_MAX - 1 <= s <= _INT64_MAX for s in sums):
        return out.astype(np.int64)
    return out
