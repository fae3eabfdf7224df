"""Arrays of one index segment, kept across index generations.

A commit adds a small segment (and may merge small ones) while the large segments stay as they
were, apart from deletions, which the snapshot's live mask applies. Keyed by segment id, the
facet postings, date column and field lengths of the large segments are read once per process,
so the first search after an editor's save only reads the new segment's.
"""

import threading
from collections import OrderedDict

import numpy as np
from whoosh.util.numeric import byte_to_length

from .whoosh_internals import field_length_bytes, postings_blocks, segment_id

CACHE_SIZE = 512
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)

_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()


def cached(leaf, kind: str, fieldname: str, compute):
    """``compute()`` once per (segment, kind, field); a reader without segment (empty index) is not cached."""
    leaf_id = segment_id(leaf)
    if leaf_id is None:
        return compute()
    key = (leaf_id, kind, fieldname)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = compute()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def read_leaf(leaf, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """One segment's postings of a term, a block at a time: (local document numbers, frequencies)."""
    docs, freqs = [], []
    for ids, weights in postings_blocks(leaf, fieldname, btext):
        docs.append(np.asarray(ids, dtype=np.int64))
        freqs.append(np.asarray(weights, dtype=np.float32))
    if not docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(docs), np.concatenate(freqs)


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
