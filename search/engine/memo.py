"""A memo of small values (a word's index term, a term's document frequency), bounded in bytes.

Search and related articles look the same few thousand words up again and again, and each miss
costs an analyzer's run or a look-up in every segment. A plain dict answers a repeat at the cost
of a dict look-up (``functools.lru_cache``'s speed), but grows with every word ever seen. This one
counts its bytes and, past its share of the cache budget, forgets everything at once: the words
in use come back within a few requests, and no bookkeeping per hit slows the common case.
"""

import threading

from . import segments

# What a dict spends per entry beyond its key and value: 24 bytes of entry and up to 8 of index in
# CPython 3.11, times the free room a dict keeps before it grows (up to three times as much).
# tests/search/engine/test_memo.py checks the count against tracemalloc.
ENTRY_BYTES = 96
MISSING = object()


class BoundedMemo:
    """``compute(key)`` remembered while the memo holds at most ``share`` (a fraction) of the
    ``segments.SHARES[cache]`` bytes; a call that finds its key costs a dict's look-up."""

    def __init__(self, compute, cache: str, share: float = 1.0):
        self._compute = compute
        self._cache = cache
        self._share = share
        self._values: dict = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def __call__(self, key):
        value = self._values.get(key, MISSING)
        if value is MISSING:
            value = self._remember(key)
        return value

    def _remember(self, key):
        value = self._compute(key)
        size = segments.size_of(key) + segments.size_of(value) + ENTRY_BYTES
        limit = self.limit()
        with self._lock:
            if self._bytes + size > limit:
                self._values.clear()
                self._bytes = 0
            if key not in self._values and size <= limit:
                self._values[key] = value
                self._bytes += size
        return value

    def limit(self) -> int:
        return int(segments.share_bytes(self._cache) * self._share)

    def held_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key) -> bool:
        """Whether ``key``'s value is remembered (a call would not compute it)."""
        return key in self._values
