"""The orders in which Java's collections present strings, for RCTab compatibility.

RCTab keeps candidates in ``HashMap``/``HashSet`` objects, so a few visible
orders (the list of candidates eliminated together in one round, the order of
candidates still tied after comparing previous rounds) are the iteration order
of a Java hash table. That order is fully specified by ``String.hashCode`` and
``java.util.HashMap``'s bucket layout (``hash ^ (hash >>> 16)`` masked by a
power-of-two table size, insertion order within a bucket), both reproduced
here with integers. ``Collections.sort`` on strings compares UTF-16 code
units; :func:`java_string_key` gives that order in Python.

Limitation: a bucket of eight or more colliding names would make Java
restructure the table; with candidate lists this never happens in practice
and is not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable


def java_string_hash(text: str) -> int:
    """``String.hashCode()``: ``s[0]*31^(n-1) + ... + s[n-1]`` over UTF-16 units, as an int."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h


def java_string_key(text: str) -> bytes:
    """Sort key giving ``String.compareTo`` order (UTF-16 code unit order)."""
    return text.encode("utf-16-be")


def _spread(h: int) -> int:
    """``HashMap.hash``: fold the high half of the hash into the low half."""
    return h ^ (h >> 16)


def _table_size_for(cap: int) -> int:
    n = 1
    while n < cap:
        n <<= 1
    return n


def hashmap_capacity(size: int) -> int:
    """Table size of a default ``new HashMap<>()`` after ``size`` distinct puts."""
    cap = 16
    while size > cap * 3 // 4:
        cap <<= 1
    return cap


def hashset_copy_capacity(size: int) -> int:
    """Table size of ``new HashSet<>(collection)`` for a collection of ``size`` strings."""
    cap = _table_size_for(max(int(size / 0.75) + 1, 16))
    while size > cap * 3 // 4:
        cap <<= 1
    return cap


def hash_order(keys_in_insertion_order: Iterable[str], capacity: int | None = None) -> list[str]:
    """Iteration order of a Java ``HashMap``/``HashSet`` holding these keys.

    ``capacity`` is the table size; by default that of a ``new HashMap<>()``
    filled by successive puts.
    """
    keys = list(dict.fromkeys(keys_in_insertion_order))
    cap = capacity if capacity is not None else hashmap_capacity(len(keys))
    mask = cap - 1
    return sorted(keys, key=lambda k: _spread(java_string_hash(k)) & mask)
