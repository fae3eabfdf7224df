"""Arrays of one index segment, kept across index generations, within a bound in bytes.

A commit adds a small segment (and may merge small ones) while the large segments stay as they
were, apart from deletions, which the snapshot's live mask applies. Keyed by segment id, the
postings, facet postings, date column and field lengths of the large segments are read once per
process, so the first search after an editor's save only reads the new segment's.

What is kept is bounded in bytes (``set_budget``; the connection's ``CACHE_MB``): the least
recently used arrays go first. Without a bound, every term ever searched stayed in every worker,
and a common term's postings at a million articles are megabytes.

The budget is the whole of a process's search caches: these arrays take ``SHARES[SEGMENT_ARRAYS]``
of it and every other cache its own share (``share_bytes``), so that one setting bounds a worker's
caches in bytes (issue 14).
"""

import datetime
import sys
import threading
import weakref
from collections import OrderedDict

import numpy as np
from whoosh.util.numeric import byte_to_length

from .shared_arrays import SEGMENT_PREFIX, file_key, set_digest
from .whoosh_internals import LONG_TERM_POSTINGS, field_length_bytes, long_terms, postings_blocks, segment_id, term_info

DEFAULT_BUDGET_BYTES = 160 * 2**20
SEGMENT_ARRAYS, FILTER_MASKS, WORDS, FREQUENCIES, STORED_DOCUMENTS = (
    "segment arrays", "filter masks", "words", "document frequencies", "stored documents",
)  # fmt: skip
# Each cache's share of the budget, together all of it: this module's per-segment arrays; each
# generation's filter masks and browsing counts (snapshot.py); the index term of each word seen,
# for snippets and related articles, split between the analyses (snippets.py); document
# frequencies (related.py); and the stored fields of documents shown (snapshot.py). A term's
# postings joined across segments are not kept (scoring.py).
SHARES = {SEGMENT_ARRAYS: 0.73, FILTER_MASKS: 0.1, WORDS: 0.1, FREQUENCIES: 0.05, STORED_DOCUMENTS: 0.02}
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)

_lock = threading.Lock()
_budget = DEFAULT_BUDGET_BYTES
_caches: weakref.WeakSet = weakref.WeakSet()  # every LeastRecentlyUsed alive (a snapshot has one), for ``set_budget``


class LeastRecentlyUsed:
    """Values by key within ``cache``'s share of the budget (``share_bytes``): past it, the least
    recently used go first, one at a time. A value larger than the whole share is not kept."""

    def __init__(self, cache: str):
        self.cache = cache
        self._lock = threading.Lock()
        self._values: OrderedDict = OrderedDict()  # key -> (value, bytes)
        self._held = 0
        with _lock:
            _caches.add(self)

    def get(self, key, compute):
        """The value kept under ``key``, else ``compute()``'s, kept."""
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
                return found[0]
        value = compute()
        size = size_of(value)
        with self._lock:
            if key not in self._values and size <= share_bytes(self.cache):
                self._values[key] = (value, size)
                self._held += size
                self._evict_over_share()
        return value

    def held_bytes(self) -> int:
        return self._held

    def items(self) -> list[tuple]:
        """(key, value) of what is kept, the least recently used first."""
        with self._lock:
            return [(key, value) for key, (value, _) in self._values.items()]

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._held = 0

    def evict_over_share(self) -> None:
        with self._lock:
            self._evict_over_share()

    def _evict_over_share(self) -> None:
        limit = share_bytes(self.cache)
        while self._held > limit and self._values:
            _, (_, size) = self._values.popitem(last=False)
            self._held -= size


_arrays = LeastRecentlyUsed(SEGMENT_ARRAYS)  # (segment, kind, field[, term]) -> the arrays


def set_budget(budget_bytes: int) -> None:
    """Keep at most ``budget_bytes`` in this process's caches, evicting what is over."""
    global _budget
    with _lock:
        _budget = max(0, int(budget_bytes))
        caches = list(_caches)
    for cache in caches:
        cache.evict_over_share()


def clear_caches() -> None:
    """Forget every value kept, as a process that has just started."""
    with _lock:
        caches = list(_caches)
    for cache in caches:
        cache.clear()


def budget_bytes() -> int:
    return _budget


def held_bytes() -> int:
    """The bytes of the segment arrays kept."""
    return _arrays.held_bytes()


def share_bytes(cache: str) -> int:
    """The bytes ``cache`` (one of ``SHARES``) may hold in this process."""
    return int(_budget * SHARES[cache])


# Values that hold nothing else: their size is their own (``sys.getsizeof``).
FLAT_TYPES = frozenset({str, bytes, int, float, bool, type(None), datetime.date, datetime.datetime})


def size_of(value) -> int:
    """The bytes a cached value holds: arrays by their buffers, containers by their contents.
    A container of flat values only (a document's stored fields) is summed without a call per
    value: 16 fields took 8.9 µs one by one, 4.5 so (timeit), of a 23 µs first read of a document."""
    if isinstance(value, np.ndarray):
        return value.nbytes + 112
    if isinstance(value, str):
        return sys.getsizeof(value)
    if isinstance(value, dict):
        if FLAT_TYPES.issuperset(map(type, value)) and FLAT_TYPES.issuperset(map(type, value.values())):
            return sys.getsizeof(value) + sum(map(sys.getsizeof, value)) + sum(map(sys.getsizeof, value.values()))
        return sys.getsizeof(value) + sum(size_of(key) + size_of(item) for key, item in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        if FLAT_TYPES.issuperset(map(type, value)):
            return sys.getsizeof(value) + sum(map(sys.getsizeof, value))
        return sys.getsizeof(value) + sum(size_of(item) for item in value)
    return sys.getsizeof(value)


def cached(leaf, kind: str, fieldname: str, compute, *detail):
    """``compute()`` once per (segment, kind, field, detail), within the segment arrays' share;
    a reader without segment (empty index) is not cached."""
    leaf_id = segment_id(leaf)
    if leaf_id is None:
        return compute()
    return _arrays.get((leaf_id, kind, fieldname, *detail), compute)


# A term with at least this many postings in a segment is decoded once per index generation and
# written beside it for every worker to map (``shared_postings``): 0.2 ms or more of decoding
# (4,145 postings took 197 µs at 100,000 articles), against some 70 µs to map its two files. From
# 8,192 to 4,096, the first pass of the benchmark's word + 2 filters searches at 100,000 spent
# 7.5 ms decoding instead of 10.4 (30 searches).
SHARED_POSTINGS_FROM = LONG_TERM_POSTINGS


# A text field of at most this many words in a segment has its terms held as a set
# (``small_field_terms``): a word the set lacks is known absent without a look-up. Listing them
# takes about 6 µs a term, once a segment; a look-up of an absent term took 8 µs, on every new word.
SMALL_FIELD_TOKENS = 5_000


def small_field_terms(leaf, fieldname: str) -> frozenset | None:
    """A segment's terms of a text field where it holds at most ``SMALL_FIELD_TOKENS`` words,
    or None where it holds more (or the reader cannot list them).

    Each word of a query is read in every language's fields (``languages.py``), and most
    archives have few documents in most of those languages: a new two-word query at 100,000
    articles looked up 16 terms in the segments' term tables, 8 of them in the Spanish and the
    other languages' fields, where they were absent. The fields of an editor's save (a segment
    of one article) are small too."""

    def compute():
        if not hasattr(leaf, "lexicon") or leaf.field_length(fieldname) > SMALL_FIELD_TOKENS:
            return (None,)
        return (frozenset(leaf.lexicon(fieldname)),)

    return cached(leaf, "small field terms", fieldname, compute)[0]


def term_postings(leaf, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``read_leaf``, kept: a term's postings in a segment never change."""
    return cached(leaf, "postings", fieldname, lambda: shared_postings(leaf, fieldname, btext), btext)


def shared_postings(leaf, fieldname: str, btext: bytes, write_later: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``read_leaf``; for a long term in a segment opened with shared arrays, through the
    generation's files: the first process decodes them and its writing thread writes them
    after the request (an ``fsync`` a file; at once without ``write_later``), the others map them.

    Each worker decoded a common word's postings for itself: at a million articles some 40 ms a
    field, on every worker's first search of the word, again after the word was evicted from its
    cache. Mapped, they are read in a fraction of a millisecond and held once in the page cache
    for every worker. The cache keeps the mapped arrays within the budget like decoded ones, so
    a worker's maps stay bounded; the files go with their segment (``SharedArrays.retain``)."""
    shared = getattr(leaf, "shared_arrays", None)
    leaf_id = segment_id(leaf)
    info = term_info(leaf, fieldname, btext)  # looked up once, for the count and the postings
    if info is None:
        return NO_POSTINGS  # most segments of a rare word: 7 µs of a 14 µs first read was decoding nothing
    if shared is None or leaf_id is None or info.doc_frequency() < SHARED_POSTINGS_FROM:
        return read_leaf(leaf, fieldname, btext, info)
    key = file_key(SEGMENT_PREFIX, leaf_id, "postings", f"{fieldname}-{set_digest(btext)}")
    return shared.get(key, lambda: read_leaf(leaf, fieldname, btext, info), 2, keep=False, write_later=write_later)


def write_long_postings(reader) -> int:
    """Write the shared postings of every long term its segments list (``long_terms``) that are
    not written yet; returns how many terms there were. Called on a new generation before it goes
    live, so that no worker's first search of a common word decodes it (at 100,000 articles, a
    word and two filters spent up to 2.4 ms of a first search decoding)."""
    terms = 0
    for leaf, _ in reader.leaf_readers():
        if getattr(leaf, "shared_arrays", None) is None:
            continue  # nowhere to write them (an index in memory)
        for fieldname, btext in long_terms(leaf) or ():
            shared_postings(leaf, fieldname, btext, write_later=False)
            terms += 1
    return terms


def read_only(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    for array in arrays:
        array.flags.writeable = False
    return arrays


NO_POSTINGS = read_only(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))  # a term a segment lacks


def postings_count(parts) -> int:
    """The postings of a term's ((documents, frequencies), offset) in each segment
    (``scoring.Postings.term_parts``)."""
    return sum(len(docs) for (docs, _), _ in parts)


def joined_postings(parts) -> tuple[np.ndarray, np.ndarray]:
    """(global document numbers, term frequencies) of a term's parts in each segment. The
    segments without it are left out first: a rare term is in few of them."""
    parts = [part for part in parts if len(part[0][0])]
    if not parts:
        return NO_POSTINGS
    if len(parts) == 1 and parts[0][1] == 0:
        return parts[0][0]  # in the first segment only: its arrays as they are, read only
    return (
        np.concatenate([docs + offset for (docs, _), offset in parts]),
        np.concatenate([freqs for (_, freqs), _ in parts]),
    )


def read_leaf(leaf, fieldname: str, btext: bytes, info=None) -> tuple[np.ndarray, np.ndarray]:
    """One segment's postings of a term, a block at a time: (local document numbers, frequencies).
    ``info``: the term's ``term_info`` in the segment, where the caller has looked it up."""
    blocks = [
        # int32: half the bytes of int64; a segment holds far fewer than 2**31 documents
        (np.asarray(ids, dtype=np.int32), weights if is_bytes(weights) else np.asarray(weights, dtype=np.float32))
        for ids, weights in postings_blocks(leaf, fieldname, btext, info, narrow=True)
    ]
    if not blocks:
        return NO_POSTINGS
    if len(blocks) == 1:  # most terms in most segments: a rare word read in 8.3 µs, against 15.4 converted
        docs, freqs = blocks[0]
    else:
        docs, freqs = np.concatenate([ids for ids, _ in blocks]), np.concatenate([weights for _, weights in blocks])
    return read_only(docs, compact_frequencies(freqs))  # kept and shared


def is_bytes(values) -> bool:
    return isinstance(values, np.ndarray) and values.dtype == np.uint8


def compact_frequencies(freqs: np.ndarray) -> np.ndarray:
    """A term's frequencies in one byte each where they are whole numbers under 256, as a word's
    counts in an article are: 5 bytes a cached posting instead of 8, so the same budget keeps 60%
    more terms. Every value is the same number; ``Postings.bm25`` reads them as float32."""
    if is_bytes(freqs):
        return freqs  # written in a byte each (``postings_blocks``' ``narrow``)
    if len(freqs) and freqs.max() < 256 and freqs.min() >= 0 and np.array_equal(freqs, np.floor(freqs)):
        return freqs.astype(np.uint8)
    return freqs


def segment_arrays(leaf, kind: str, fieldname: str, compute, count: int) -> tuple[np.ndarray, ...]:
    """The ``count`` arrays ``compute()`` gives for one segment, once: from the generation's
    shared files (``shared_arrays.py``) when the segment was opened with them, mapped by every
    process and outside the budget; otherwise kept within the budget like postings."""
    shared = getattr(leaf, "shared_arrays", None)
    leaf_id = segment_id(leaf)
    if shared is None or leaf_id is None:
        return cached(leaf, kind, fieldname, lambda: tuple(compute()))
    return shared.get(file_key(SEGMENT_PREFIX, leaf_id, kind, fieldname), compute, count)


def facet_postings(leaf, fieldname: str) -> dict[str, np.ndarray]:
    """Each value of a facet field in one segment, with its local document numbers."""

    def compute():
        values, docs = [], []
        for term in leaf.lexicon(fieldname):
            values.append(term.decode("utf-8"))
            docs.append(read_leaf(leaf, fieldname, term)[0])
        starts = np.cumsum([0] + [len(part) for part in docs], dtype=np.int64)
        joined = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
        return np.array(values, dtype=str) if values else np.zeros(0, dtype="<U1"), joined, starts

    values, docs, starts = segment_arrays(leaf, "facet", fieldname, compute, 3)
    return {value: docs[starts[n] : starts[n + 1]] for n, value in enumerate(values.tolist())}


def sort_keys(leaf, fieldname: str) -> np.ndarray:
    """One segment's raw column values of a sortable numeric field, the largest uint64 where missing."""

    def compute():
        column = leaf.column_reader(fieldname, translate=False)
        keys = np.fromiter((int(value or 0) for value in column), dtype=np.uint64, count=leaf.doc_count_all())
        # A document without the field has the column's default, the largest value of its width.
        keys[keys == np.uint64(2 ** leaf.schema[fieldname].bits - 1)] = np.iinfo(np.uint64).max
        return (keys,)

    return segment_arrays(leaf, "keys", fieldname, compute, 1)[0]


def field_lengths(leaf, fieldname: str) -> np.ndarray:
    """One segment's field lengths as Whoosh stores them: a byte each, approximate, read as a
    length through ``LENGTH_OF_BYTE`` where a score needs it. Kept as bytes, not as float32: the
    arrays of a million articles' six text fields are a quarter of the size in every worker."""

    def compute():
        count = leaf.doc_count_all()
        column = field_length_bytes(leaf, fieldname)
        if column is None:
            return (np.zeros(count, dtype=np.uint8),)
        return (np.fromiter(column, dtype=np.uint8, count=count),)

    return segment_arrays(leaf, "length bytes", fieldname, compute, 1)[0]


def spelling_words(leaf, fieldname: str) -> list[str]:
    """One segment's terms of a text field that are words of three letters or more."""

    def compute():
        if not hasattr(leaf, "lexicon"):
            return []
        words = (term.decode("utf-8") for term in leaf.lexicon(fieldname))
        return [word for word in words if len(word) > 2 and word.isalpha()]

    return cached(leaf, "spelling", fieldname, compute)
