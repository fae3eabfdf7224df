"""Arrays of one index segment, kept across index generations, within a bound in bytes.

A commit adds a small segment (and may merge small ones) while the large segments stay as they
were, apart from deletions, which the snapshot's live mask applies. Keyed by segment id, the
postings, facet postings, date column and field lengths of the large segments are read once per
process, so the first search after an editor's save only reads the new segment's.

What is kept is bounded in bytes (``set_budget``; the connection's ``CACHE_MB``): the least
recently used arrays go first. Without a bound, every term ever searched stayed in every worker,
and a common term's postings at a million articles are megabytes.
"""

import sys
import threading
from collections import OrderedDict

import numpy as np
from whoosh.util.numeric import byte_to_length

from .whoosh_internals import field_length_bytes, postings_blocks, segment_id

DEFAULT_BUDGET_BYTES = 128 * 2**20
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)

_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()  # (segment, kind, field[, term]) -> (value, bytes)
_budget = DEFAULT_BUDGET_BYTES
_held = 0  # bytes of the values in _cache


def set_budget(budget_bytes: int) -> None:
    """Keep at most ``budget_bytes`` of segment arrays in this process, evicting what is over."""
    global _budget
    with _lock:
        _budget = max(0, int(budget_bytes))
        evict_over_budget()


def budget_bytes() -> int:
    return _budget


def held_bytes() -> int:
    return _held


def size_of(value) -> int:
    """The bytes a cached value holds: arrays by their buffers, containers by their contents."""
    if isinstance(value, np.ndarray):
        return value.nbytes + 112
    if isinstance(value, str):
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(size_of(key) + size_of(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return sys.getsizeof(value) + sum(size_of(item) for item in value)
    return sys.getsizeof(value)


def evict_over_budget() -> None:
    """Drop the least recently used values until the rest fit the budget (under ``_lock``)."""
    global _held
    while _held > _budget and _cache:
        _, (_, size) = _cache.popitem(last=False)
        _held -= size


def cached(leaf, kind: str, fieldname: str, compute, *detail):
    """``compute()`` once per (segment, kind, field, detail); a reader without segment (empty
    index) is not cached, nor is a value larger than the whole budget."""
    global _held
    leaf_id = segment_id(leaf)
    if leaf_id is None:
        return compute()
    key = (leaf_id, kind, fieldname, *detail)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found[0]
    value = compute()
    size = size_of(value)
    with _lock:
        if key not in _cache and size <= _budget:
            _cache[key] = (value, size)
            _held += size
            evict_over_budget()
    return value


def term_postings(leaf, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``read_leaf``, kept: a term's postings in a segment never change."""
    return cached(leaf, "postings", fieldname, lambda: read_leaf(leaf, fieldname, btext), btext)


def read_leaf(leaf, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """One segment's postings of a term, a block at a time: (local document numbers, frequencies)."""
    docs, freqs = [], []
    for ids, weights in postings_blocks(leaf, fieldname, btext):
        docs.append(np.asarray(ids, dtype=np.int32))  # half the bytes of int64; a segment holds far fewer than 2**31
        freqs.append(np.asarray(weights, dtype=np.float32))
    if not docs:
        docs, freqs = [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.float32)]
    docs, freqs = np.concatenate(docs), np.concatenate(freqs)
    docs.flags.writeable = freqs.flags.writeable = False  # kept and shared: nobody may change them
    return docs, freqs


def facet_postings(leaf, fieldname: str) -> dict[str, np.ndarray]:
    """Each value of a facet field in one segment, with its local document numbers."""

    def compute():
        return {
            term.decode("utf-8"): read_leaf(leaf, fieldname, term)[0]
            for term in leaf.lexicon(fieldname)
        }

    return cached(leaf, "facet", fieldname, compute)


def sort_keys(leaf, fieldname: str) -> np.ndarray:
    """One segment's raw column values of a sortable numeric field, the largest uint64 where missing."""

    def compute():
        column = leaf.column_reader(fieldname, translate=False)
        keys = np.fromiter((int(value or 0) for value in column), dtype=np.uint64, count=leaf.doc_count_all())
        # A document without the field has the column's default, the largest value of its width.
        keys[keys == np.uint64(2 ** leaf.schema[fieldname].bits - 1)] = np.iinfo(np.uint64).max
        return keys

    return cached(leaf, "keys", fieldname, compute)


def field_lengths(leaf, fieldname: str) -> np.ndarray:
    """One segment's field lengths, as Whoosh stores them (one byte, approximate)."""

    def compute():
        count = leaf.doc_count_all()
        column = field_length_bytes(leaf, fieldname)
        if column is None:
            return np.zeros(count, dtype=np.float32)
        return LENGTH_OF_BYTE[np.fromiter(column, dtype=np.uint8, count=count)]

    return cached(leaf, "lengths", fieldname, compute)


def spelling_words(leaf, fieldname: str) -> list[str]:
    """One segment's terms of a text field that are words of three letters or more."""

    def compute():
        if not hasattr(leaf, "lexicon"):
            return []
        words = (term.decode("utf-8") for term in leaf.lexicon(fieldname))
        return [word for word in words if len(word) > 2 and word.isalpha()]

    return cached(leaf, "spelling", fieldname, compute)
