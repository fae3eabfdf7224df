"""One generation of the Whoosh index, held open and reused across requests.

Opening a searcher and rebuilding facet data on every request costs time in proportion to the
archive. A snapshot keeps one searcher per process and builds, once per index generation, the
arrays that every request would otherwise recompute: which documents are live, the documents in
date order, and for each facet field the (document, value) pairs. Counting a facet over a set of
matched documents is then one numpy ``bincount``. The arrays are assembled from per-segment ones
(``segments.py``) that survive a commit.
"""

import bisect
import threading
from functools import partial
from collections import Counter

import numpy as np
from haystack.constants import DJANGO_ID
from whoosh import query
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from . import segments, shared_arrays
from .scoring import FieldBM25F, Postings
from .shared_arrays import SET_PREFIX, file_key, set_digest
from .spelling import Vocabulary, vocabulary_of
from .whoosh_internals import (
    InPlaceSegmentReader, deleted_docnums, index_segments, is_latest_generation, reader_with_deletions_of, segment_id,
)  # fmt: skip

_stored_documents = segments.LeastRecentlyUsed(segments.STORED_DOCUMENTS)  # (segment id, number in it) -> stored fields


def stored_documents_held_bytes() -> int:
    return _stored_documents.held_bytes()


MISSING = np.iinfo(np.uint64).max  # a sortable column's value for a document without the field


def same_deletions(old_segment, new_segment) -> bool:
    return old_segment.deleted_count() == new_segment.deleted_count() and (
        not new_segment.has_deletions() or set(old_segment.deleted_docs()) == set(new_segment.deleted_docs())
    )


def segments_reader(storage, schema, segments_, generation, previous_reader=None):
    """A reader of ``segments_`` that shares ``previous_reader``'s open segment files and opens
    only the segments it does not have.

    Opening a segment copies its term and posting files into memory: at 100,000 articles (25
    segments) reopening everything after an editor's save cost 80-170 ms per process. Whoosh's own
    reuse (``searcher.refresh()``) keys readers by segment id alone, so a segment that gained
    deletions keeps its old ones and deleted documents come back; it also closes readers that a
    request in another thread may still be using.
    """
    reusable = {}
    if previous_reader is not None:
        reusable = {leaf.segment().segment_id(): leaf for leaf, _ in previous_reader.leaf_readers()
                    if isinstance(leaf, SegmentReader) and not leaf.is_closed}  # fmt: skip
    shared = arrays_of(storage)
    readers = []
    for segment in segments_:
        leaf = reusable.get(segment.segment_id())
        if leaf is None:
            leaf = InPlaceSegmentReader(storage, schema, segment, generation=generation, shared_arrays=shared)
        elif not same_deletions(leaf.segment(), segment):
            leaf = reader_with_deletions_of(leaf, segment)
        readers.append(leaf)
    return MultiReader(readers, generation=generation) if readers else EmptyReader(schema)


def arrays_of(storage):
    """The shared arrays of an index stored in a folder (``shared_arrays.py``); None in memory."""
    folder = getattr(storage, "folder", None)
    return shared_arrays.of_folder(folder) if isinstance(folder, str) else None


def open_searcher(index, previous_reader=None) -> Searcher:
    """A searcher of the index's latest commit, sharing ``previous_reader``'s unchanged segments."""
    generation = index.latest_generation()
    reader = segments_reader(index.storage, index.schema, index_segments(index), generation, previous_reader)
    return Searcher(reader, fromindex=index, weighting=FieldBM25F())


def shared_of(arrays, source: str, kind: str, fieldname: str, compute, count: int) -> tuple:
    """``compute()``'s arrays from ``arrays`` (a ``SharedArrays``) under ``source``'s name, or
    computed by this process alone where there are none."""
    if arrays is None:
        return tuple(compute())
    return arrays.get(file_key(SET_PREFIX, source, kind, fieldname), compute, count)


FEW_MATCHES_FACTOR = 8  # matches under 1/8 of a facet's (document, value) pairs are few
COUNTED_ONE_BY_ONE = 16  # matches up to this many are counted document by document, in Python
# (document, value) pairs counted at a time: their mask and values (int32) stay under a web
# worker's mmap threshold (newsarchive/allocator.py), so the heap reuses them.
PAIRS_CHUNK = 32_768
RUN_AT_START = np.zeros(1, dtype=np.intp)  # a chunk's first run starts at its first pair


def filter_parts(filters):
    """The filters, each ``And`` among them (at any depth) as its parts: the same documents."""
    for narrow_query in filters:
        if type(narrow_query) is query.And:
            yield from filter_parts(narrow_query.subqueries)
        else:
            yield narrow_query


class BitMask:
    """A mask of documents held a bit each (``np.packbits``), read as a boolean mask is read at
    documents (``mask[documents]``), without unpacking the rest."""

    __slots__ = ("bits",)

    def __init__(self, bits: np.ndarray):
        self.bits = bits

    def __getitem__(self, documents: np.ndarray) -> np.ndarray:
        return (self.bits[documents >> 3] & (0x80 >> (documents & 7)).astype(np.uint8)) != 0

    def count(self) -> int:
        return int(np.bitwise_count(self.bits).sum())

    def unpacked(self, size: int) -> np.ndarray:
        """The mask of ``size`` documents, a new array."""
        return np.unpackbits(self.bits, count=size).view(bool)


def documents_of(mask: np.ndarray, leave_out: np.ndarray | None = None) -> np.ndarray:
    """The sorted numbers of ``mask``'s documents that are not in ``leave_out``, found
    ``PAIRS_CHUNK`` documents at a time where there is a ``leave_out``, without an array of
    the archive's size."""
    if leave_out is None:
        return np.flatnonzero(mask)
    parts = [np.flatnonzero(np.greater(mask[first : first + PAIRS_CHUNK], leave_out[first : first + PAIRS_CHUNK])) + first
             for first in range(0, len(mask), PAIRS_CHUNK)]  # fmt: skip
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


class MatchedDocuments:
    """A search's matches: their mask, their count and, once asked, their numbers. A search
    counts four or five facet fields over the same matches; each counted and found them anew
    (13 µs a field at 100,000 articles). Made from their numbers (``of_documents``), the mask
    is made only where something asks for it."""

    def __init__(self, mask: np.ndarray, count: int | None = None):
        self._mask = mask
        self.count = int(np.count_nonzero(mask)) if count is None else count
        self._documents = None
        self._size = len(mask)

    @classmethod
    def of_documents(cls, documents: np.ndarray, size: int) -> "MatchedDocuments":
        """The matches ``documents`` (sorted, unique numbers) among ``size`` documents."""
        matches = cls.__new__(cls)
        matches._mask, matches.count, matches._documents, matches._size = None, len(documents), documents, size
        return matches

    @property
    def mask(self) -> np.ndarray:
        if self._mask is None:
            mask = np.zeros(self._size, dtype=bool)
            mask[self._documents] = True
            self._mask = mask
        return self._mask

    def documents(self) -> np.ndarray:
        if self._documents is None:
            self._documents = np.flatnonzero(self._mask)
        return self._documents


class IndexSnapshot:
    def __init__(self, index, name: str, searcher, hold=None):
        self.index = index
        self.name = name  # the index generation's folder
        self.searcher = searcher
        self.reader = searcher.reader()
        self.hold = hold  # the shared flock that keeps this generation's folder from removal
        self.size = self.reader.doc_count_all()
        self._lock = threading.Lock()
        self._live = None
        self._live_bits = None
        self._live_count = None
        self._orders = {}
        self._keys = {}
        self._facets = {}
        self.arrays = arrays_of(index.storage)
        self.segment_ids = [segment_id(leaf) for leaf, _ in self.reader.leaf_readers()]
        self._offsets = [offset for _, offset in self.reader.leaf_readers()]
        if None in self.segment_ids:
            self.arrays = None  # a reader without segments (an empty index): nothing worth sharing
        # What the generation-wide arrays are computed from: the segments, and for orders their deletions too.
        self.segments_digest = set_digest(self.size, *self.segment_ids)
        self.deletions_digest = set_digest(self.segments_digest, self.live.tobytes())
        # Not the bound method: a Postings holding its snapshot would keep every old snapshot's
        # maps until the cycle collector ran.
        self.postings = Postings(self.reader, self.size, partial(shared_of, self.arrays, self.segments_digest))
        schema = self.reader.schema
        self.sortable_fields = {
            name for name in schema.names() if isinstance(schema[name], NUMERIC) and schema[name].column_type
        }
        self.date_fields = {name for name in self.sortable_fields if isinstance(schema[name], DATETIME)}
        # Unanalysed fields with few values (facets, the model name): a filter on one is a slice
        # of the facet arrays that the snapshot keeps anyway, not postings read block by block.
        self.value_fields = {
            name for name in schema.names()
            if isinstance(schema[name], (ID, KEYWORD)) and not schema[name].unique and name != DJANGO_ID
        }  # fmt: skip
        self._value_bounds = {}
        self._remembered = segments.LeastRecentlyUsed(segments.FILTER_MASKS)  # filter masks and browsing facet counts
        # Open each segment's stored fields now, not in the first search that shows one of its
        # documents (5 ms a segment at 100,000 articles); segments kept from the last snapshot
        # have theirs open already.
        for leaf, offset in self.reader.leaf_readers():
            if leaf.doc_count_all():
                self.searcher.stored_fields(offset)

    def shared(self, kind: str, fieldname: str, compute, count: int, with_deletions=False) -> tuple:
        """The ``count`` arrays of ``compute()`` for this generation's segments (and their
        deletions), written once and mapped by every process (``shared_arrays.py``)."""
        source = self.deletions_digest if with_deletions else self.segments_digest
        return shared_of(self.arrays, source, kind, fieldname, compute, count)

    def retain_shared(self) -> None:
        """Remove the shared arrays of segments and segment lists this state no longer has."""
        if self.arrays is not None:
            self.arrays.retain(self.segment_ids, {self.segments_digest, self.deletions_digest})

    def is_current(self, name: str) -> bool:
        """The live generation's folder is still ours and nothing was committed to it since."""
        return name == self.name and is_latest_generation(self.index, self.reader.generation())

    def close(self):
        self.searcher.close()
        self.release()

    def release(self):
        """Stop holding this generation's folder (another process may then remove it)."""
        if self.hold is not None:
            self.hold.close()
            self.hold = None
            if self.arrays is not None:
                shared_arrays.forget(self.arrays.generation_folder)

    def stored_fields(self, docnum: int) -> dict:
        """The document's stored fields, as the searcher's ``stored_fields`` gives them (a copy,
        the caller's to change), remembered by segment and number in it within the
        ``STORED_DOCUMENTS`` share of the cache budget, the least recently shown forgotten first.
        What a segment stores of a document never changes, so an editor's commit leaves the rest
        remembered. A page of results, its next page, its facets' links and an article's related
        articles show the same documents again; reading one (decompressing and unpickling it)
        took 14 µs of a result's 54 at 100,000 articles."""
        leaf = bisect.bisect_right(self._offsets, docnum) - 1
        segment = self.segment_ids[leaf] if leaf >= 0 else None
        if segment is None:  # an empty index's reader: the searcher says what it says
            return self.searcher.stored_fields(docnum)
        key = (segment, docnum - self._offsets[leaf])
        return dict(_stored_documents.get(key, lambda: self.searcher.stored_fields(docnum)))

    @property
    def live(self) -> np.ndarray:
        """A boolean mask of the documents that are not deleted."""
        if self._live is None:
            live = np.ones(self.size, dtype=bool)
            for leaf, offset in self.reader.leaf_readers():
                deleted = np.fromiter(deleted_docnums(leaf), dtype=np.int64)
                live[deleted + offset] = False
            self._live = live
        return self._live

    def filtered(self, filters, compute) -> np.ndarray:
        """The live documents that every one of ``filters`` matches (``compute(query)`` is a
        query's mask): a new mask, the caller's to change.

        Each filter's documents are remembered for this generation (the model filter of every
        search, the facet filters people repeat) a bit a document, ``np.packbits``: at a million
        articles a byte mask is 1 MB, the masks' share held sixteen, and a pass of thirty searches
        with two filters computed 57 of its 61 masks again. A filter that is an ``And`` is
        remembered by its parts: haystack joins a page's filters into one query, in a different
        combination from search to search, while the parts recur."""
        return self.filtered_bits(filters, compute).unpacked(self.size)

    def filtered_bits(self, filters, compute) -> "BitMask":
        """``filtered(filters, compute)`` as its bits, read at given documents (``BitMask``):
        a few matches need no mask of the archive."""
        bits = self.live_bits
        for part in filter_parts(filters):
            bits = bits & self.remembered(("filter bits", part), lambda: np.packbits(compute(part)))
        return BitMask(bits)

    @property
    def live_bits(self) -> np.ndarray:
        """``live``, a bit a document (``np.packbits``)."""
        if self._live_bits is None:
            self._live_bits = np.packbits(self.live)
        return self._live_bits

    def remembered(self, key, compute):
        """``compute()`` once per ``key`` for this generation, which never changes: the most
        recently used are kept, up to the filter masks' share of the cache budget (a filter's
        documents are a bit each, 125 kB at a million articles). Read only."""
        return self._remembered.get(key, compute)

    def remembered_bytes(self) -> int:
        return self._remembered.held_bytes()

    def mask_of(self, docnums) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        ids = np.fromiter(docnums, dtype=np.int64)
        if len(ids):
            mask[ids] = True
        return mask

    def sort_keys(self, fieldname: str) -> np.ndarray:
        """Each document's raw column value of a sortable numeric field (for dates, Whoosh's long
        form; for signed integers, shifted to unsigned), MISSING where a document has none."""
        with self._lock:
            if fieldname not in self._keys:

                def compute():
                    parts = [segments.sort_keys(leaf, fieldname) for leaf, _ in self.reader.leaf_readers()]
                    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64),)

                self._keys[fieldname] = self.shared("keys", fieldname, compute, 1)[0]
            return self._keys[fieldname]

    def order_by(self, sort_by: tuple[str, ...]) -> np.ndarray:
        """Live document numbers sorted by sortable numeric fields (``-name`` for descending), ties
        by document number; documents without a field come last ascending, first descending."""
        with self._lock:
            cached = self._orders.get(sort_by)
        if cached is not None:
            return cached

        def compute():
            keys = [np.arange(self.size)]
            for key in reversed(sort_by):
                values = self.sort_keys(key.lstrip("-"))
                keys.append(MISSING - values if key.startswith("-") else values)
            order = np.lexsort(keys)
            return (order[self.live[order]].astype(np.int32),)  # half of int64's bytes a document; a generation holds fewer than 2**31

        order = self.shared("order", set_digest(*sort_by), compute, 1, with_deletions=True)[0]
        with self._lock:
            self._orders[sort_by] = order
        return order

    def range_mask(self, fieldname: str, start, end, startexcl=False, endexcl=False) -> np.ndarray:
        """Live documents whose date field lies in a range, from the column instead of the terms."""
        keys = self.sort_keys(fieldname)
        mask = self.live & (keys != MISSING)
        if start is not None:
            mask &= (keys > start) if startexcl else (keys >= start)
        if end is not None:
            mask &= (keys < end) if endexcl else (keys <= end)
        return mask

    def facet_postings(self, fieldname: str):
        """Every (document, value) pair of an unanalysed facet field, as parallel arrays."""
        with self._lock:
            if fieldname not in self._facets:

                def compute():
                    by_value: dict[str, list] = {}
                    for leaf, offset in self.reader.leaf_readers():
                        for value, docs in segments.facet_postings(leaf, fieldname).items():
                            by_value.setdefault(value, []).append(docs + offset)
                    values = sorted(by_value)
                    docs = [np.concatenate(by_value[value]) for value in values]
                    # int32, as the segments' postings: these are the largest arrays a worker keeps
                    # (a few pairs a document per field), and a generation holds fewer than 2**31.
                    return (
                        np.array(values, dtype=str) if values else np.zeros(0, dtype="<U1"),
                        np.concatenate(docs).astype(np.int32, copy=False) if docs else np.zeros(0, dtype=np.int32),
                        np.repeat(np.arange(len(values), dtype=np.int32), [len(d) for d in docs]),
                    )

                values, docs, value_ids = self.shared("facet", fieldname, compute, 3)
                self._facets[fieldname] = (values.tolist(), docs, value_ids)
            return self._facets[fieldname]

    def value_docs(self, fieldname: str, value: str) -> np.ndarray:
        """The documents (deleted ones included, as in postings) with this value of a value field,
        sorted and each once: a term's postings in each segment, the segments in order."""
        values, docs, value_ids = self.facet_postings(fieldname)
        with self._lock:
            if fieldname not in self._value_bounds:
                # value_ids is sorted, so each value's documents are one slice of docs.
                ids = np.arange(len(values))
                self._value_bounds[fieldname] = (
                    np.searchsorted(value_ids, ids, side="left"),
                    np.searchsorted(value_ids, ids, side="right"),
                )
            starts, ends = self._value_bounds[fieldname]
        position = bisect.bisect_left(values, value)
        if position == len(values) or values[position] != value:
            return docs[:0]
        return docs[starts[position] : ends[position]]

    def spelling_words(self, fieldname: str) -> Vocabulary:
        """The terms of a text field made of letters, for suggestions (``spelling.Vocabulary``):
        the union of the segments' word lists, which survive commits, so a query with no hits
        after a save stays quick."""
        with self._lock:
            key = ("spelling", fieldname)
            if key not in self._facets:
                words = set()
                for leaf, _ in self.reader.leaf_readers():
                    words.update(segments.spelling_words(leaf, fieldname))
                self._facets[key] = vocabulary_of(words)
            return self._facets[key]

    def values_by_document(self, fieldname: str) -> tuple[np.ndarray, np.ndarray]:
        """A facet field's value ids grouped by document: document d's are
        ``value_ids[starts[d]:starts[d + 1]]``. Kept per snapshot, made on first use."""
        with self._lock:
            key = ("by document", fieldname)
            if key not in self._facets:
                _, docs, value_ids = self._facets[fieldname]

                def compute():
                    order = np.argsort(docs, kind="stable")
                    starts = np.searchsorted(docs[order], np.arange(self.size + 1)).astype(np.int32)
                    return value_ids[order], starts

                self._facets[key] = self.shared("by document", fieldname, compute, 2)
            return self._facets[key]

    @property
    def live_count(self) -> int:
        if self._live_count is None:
            self._live_count = int(np.count_nonzero(self.live))
        return self._live_count

    def facet_counts_array(self, fieldname: str, mask: np.ndarray, leave_out: np.ndarray | None = None) -> np.ndarray:
        """Each value's count over the documents of ``mask`` (less those of ``leave_out``), from
        the field's (document, value) pairs, ``PAIRS_CHUNK`` pairs at a time: the pairs' mask and
        their values, taken whole, were arrays of megabytes made on every search at a million
        articles. The pairs are in value order, so a chunk is a sequence of runs of one value,
        each summed from where it starts (``np.add.reduceat``: 2.3 times as fast as counting the
        selected pairs' values with ``np.bincount``, which first gathers them)."""
        values, docs, _ = self.facet_postings(fieldname)
        counts = np.zeros(len(values), dtype=np.int64)
        for first, runs, run_values in self.facet_runs(fieldname):
            chunk_docs = docs[first : first + PAIRS_CHUNK]
            selected = mask[chunk_docs]
            if leave_out is not None:
                np.greater(selected, leave_out[chunk_docs], out=selected)
            # int32: numpy casts the whole chunk to the sum's type first, and int64 would take it
            # over the mmap threshold (faulted in afresh on every call)
            counts[run_values] += np.add.reduceat(selected.view(np.uint8), runs, dtype=np.int32)
        return counts

    def facet_runs(self, fieldname: str) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """For each chunk of a field's (document, value) pairs: its first pair, where each run of
        one value starts in it, and that value. The same for every search of the generation, so
        worked out once: finding the runs anew took as long as summing them."""

        def compute():
            _, _, value_ids = self.facet_postings(fieldname)
            chunks = []
            for first in range(0, len(value_ids), PAIRS_CHUNK):
                chunk_ids = value_ids[first : first + PAIRS_CHUNK]
                runs = np.flatnonzero(chunk_ids[1:] != chunk_ids[:-1])
                runs += 1
                runs = np.concatenate((RUN_AT_START, runs))
                chunks.append((first, runs, chunk_ids[runs]))
            return chunks

        return self.remembered(("facet runs", fieldname, PAIRS_CHUNK), compute)

    def counts_over(self, fieldname: str, matches: "MatchedDocuments", count: int, leave_out: np.ndarray | None = None) -> np.ndarray:
        """Each value's count over the ``count`` documents of ``matches`` (less ``leave_out``'s):
        few are counted from their own values (the matches' numbers, their mask read only with a
        ``leave_out``), many over the field's (document, value) pairs."""
        values, docs, _ = self.facet_postings(fieldname)
        if count * FEW_MATCHES_FACTOR < len(docs):
            found = matches.documents() if leave_out is None else documents_of(matches.mask, leave_out)
            return self.counts_of_few(fieldname, found, len(values))
        return self.facet_counts_array(fieldname, matches.mask, leave_out)

    def counts_of_few(self, fieldname: str, matched_docs: np.ndarray, value_count: int) -> np.ndarray:
        """Each value's count over a few documents (sorted numbers), from their own values."""
        by_document, starts = self.values_by_document(fieldname)
        firsts, lasts = starts[matched_docs], starts[matched_docs + 1]
        lengths = lasts - firsts
        # Positions firsts[i]..lasts[i] of every matched document, as one array.
        positions = np.repeat(firsts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return np.bincount(by_document[positions], minlength=value_count)

    def facet_counts_one_by_one(self, fieldname: str, values: list, matched_docs: np.ndarray) -> list[tuple[str, int]]:
        """``facet_counts`` of a few documents, from each one's values: the arrays' way made and
        scanned an array of every value the field has, 17 µs a field for one matched document."""
        by_document, starts = self.values_by_document(fieldname)
        counts = Counter()
        for first, last in zip(starts[matched_docs].tolist(), starts[matched_docs + 1].tolist()):
            counts.update(by_document[first:last].tolist())
        pairs = [(values[value_id], count) for value_id, count in counts.items()]
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
        return pairs

    def facet_counts(self, fieldname: str, matched) -> list[tuple[str, int]]:
        """Counts of each value of a facet field over the matched documents, most frequent first.

        Few matches (a rare word, a narrow filter) are counted from their own values; many, over
        the field's (document, value) pairs. Most of the documents (a word like "said"): the live
        documents' counts, remembered, less those of the live documents that do not match, which
        are few. ``matched`` holds live documents only, as a search's matches do: a mask, or its
        ``MatchedDocuments`` where several fields are counted over it."""
        matches = matched if isinstance(matched, MatchedDocuments) else MatchedDocuments(matched)
        values, docs, _ = self.facet_postings(fieldname)
        if not values:
            return []
        matched_count = matches.count
        if matched_count <= COUNTED_ONE_BY_ONE:
            return self.facet_counts_one_by_one(fieldname, values, matches.documents())
        if matched_count * FEW_MATCHES_FACTOR >= len(docs) and 2 * matched_count > self.live_count:
            live_counts = self.remembered(("live facet counts", fieldname), lambda: self.facet_counts_array(fieldname, self.live))
            live = MatchedDocuments(self.live, self.live_count)
            counts = live_counts - self.counts_over(fieldname, live, self.live_count - matched_count, leave_out=matches.mask)
        else:
            counts = self.counts_over(fieldname, matches, matched_count)
        nonzero = np.flatnonzero(counts)
        pairs = list(zip([values[i] for i in nonzero.tolist()], counts[nonzero].tolist()))  # Python ints, read at once
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
        return pairs


class SnapshotHolder:
    """The current snapshot of one index for this process, refreshed when a writer commits or a
    rebuild switches generations."""

    def __init__(self):
        self._lock = threading.Lock()
        self._snapshot = None

    def get(self, name: str, open_generation, hold) -> IndexSnapshot:
        """The snapshot of generation ``name`` as last committed; ``open_generation(name)`` opens its
        index and ``hold(name)`` marks it as read by this process."""
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and snapshot.is_current(name):
                return snapshot
            if snapshot is not None and snapshot.name == name:
                # Not closed: a request in another thread may still read it, and the new one
                # shares its unchanged segment readers.
                fresh = IndexSnapshot(snapshot.index, name, open_searcher(snapshot.index, snapshot.reader), snapshot.hold)
            else:
                handle = hold(name)
                try:
                    index = open_generation(name)
                    fresh = IndexSnapshot(index, name, open_searcher(index), handle)
                except BaseException:
                    if handle is not None:
                        handle.close()
                    raise
                if snapshot is not None:
                    snapshot.release()
            fresh.retain_shared()
            self._snapshot = fresh
            return fresh

    def current(self) -> IndexSnapshot | None:
        return self._snapshot

    def reset(self):
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
            self._snapshot = None
