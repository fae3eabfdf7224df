"""Matching and BM25F ranking of common query shapes with numpy over Whoosh's own postings.

Whoosh walks postings one document at a time in Python: a word in most of the archive costs
hundreds of milliseconds to match and rank. Here a term's postings are read a block at a time
(``whoosh_internals.BLOCK_POSTINGS`` documents) into arrays, cached per index generation, and
terms, ``And``, ``Or``, ``Not``, ``Every`` and date ranges are evaluated as boolean masks with
scores added as arrays. Any other query part (phrases, wildcards, fuzzy terms) is matched by
Whoosh itself and the whole query is then ranked by Whoosh: the answers are the same, only the
speed differs.
"""

import math

import numpy as np
from whoosh import query, scoring

from . import sparse
from .sparse import analysis_documents
from .languages import LanguageBranch
from .segments import LENGTH_OF_BYTE, NO_POSTINGS, field_lengths, joined_postings, postings_count, small_field_terms, term_postings
from .whoosh_internals import term_info

# BM25's parameters, for our numpy scoring and Whoosh's (FieldBM25F) alike. K1 is Whoosh's default;
# B is lower than Whoosh's 0.75: long stories are penalised less, which raised the mean P@10 of the
# topic evaluation from 0.747 to 0.80 (docs/ranking.md).
B, K1 = 0.2, 1.2
# A query part matching at most 1/SPARSE_SHARE of the archive is evaluated as lists of documents
# rather than as arrays the archive's size (sparse.py).
SPARSE_SHARE = 8
# Postings scored at a time: every temporary array of the BM25 arithmetic (128 kB of float32)
# stays under a web worker's mmap threshold (newsarchive/allocator.py), so the heap reuses it.
# A term's postings scored whole made arrays of megabytes that were mapped, faulted in page by
# page and given back on every search (docs/performance.md).
SCORE_CHUNK = 32_768
# Documents ranked at a time by ``top_documents``: their numbers (int64) take 128 kB, also under
# the threshold.
TOP_CHUNK = 16_384
NO_TERMS: frozenset = frozenset()  # a segment's terms of a field it has no word in


def field_document_count(reader, fieldname: str, lengths: np.ndarray | None = None) -> int:
    """The documents with words in a field, as Lucene's BM25 counts them: each language's text
    field holds only that language's articles, so its IDF and average length are theirs, not
    the archive's. Equal to every document where each has the field (an archive of one language).
    ``lengths``, the reader's joined length bytes where the caller has them, saves reading each
    segment's."""
    parts = [lengths] if lengths is not None else [field_lengths(leaf, fieldname) for leaf, _ in reader.leaf_readers()]
    counted = sum(int(np.count_nonzero(part)) for part in parts)
    return counted or reader.doc_count_all()


class FieldBM25F(scoring.BM25F):
    """Whoosh's BM25F with the statistics of ``field_document_count``, for the queries Whoosh
    ranks itself (phrases, wildcards): the same scores as ``Postings.bm25``."""

    def __init__(self, B=B, K1=K1, **kwargs):
        super().__init__(B=B, K1=K1, **kwargs)

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return FieldBM25FScorer(searcher, fieldname, text, self.B, self.K1, qf=qf)


class FieldBM25FScorer(scoring.BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf=1):
        parent = searcher.get_parent()
        documents = field_document_count(parent.reader(), fieldname)
        self.idf = math.log(documents / (parent.doc_frequency(fieldname, text) + 1)) + 1
        self.avgfl = (parent.field_length(fieldname) / documents) or 1
        self.B, self.K1, self.qf = B, K1, qf
        self.setup(searcher, fieldname, text)  # after the statistics: it computes the best score from them


class Unscorable(Exception):
    """A query part that only Whoosh can rank."""


class Postings:
    """Per-generation postings arrays of one searcher's reader."""

    def __init__(self, reader, size: int, shared):
        self.reader = reader
        self.size = size
        self.shared = shared  # (kind, field, compute, count) -> the arrays, shared by the generation's readers where it can
        self.leaves = reader.leaf_readers()
        self._lengths: dict = {}
        self._field_documents: dict = {}
        self._field_statistics: dict = {}
        self._empty: dict = {}
        self._known: dict = {}

    def term_parts(self, fieldname: str, text) -> list[tuple[tuple[np.ndarray, np.ndarray], int]]:
        """Each segment's ((local document numbers, term frequencies), offset) of a term, deleted
        documents included, as segments.py keeps them (so that a commit only reads the new
        segment's). A segment without a word in the field has none of its terms, unread."""
        field = self.reader.schema[fieldname]
        btext = field.to_bytes(text) if not isinstance(text, bytes) else text
        return [
            (NO_POSTINGS if terms is not None and btext not in terms else term_postings(leaf, fieldname, btext), offset)
            for (leaf, offset), terms in zip(self.leaves, self.known_terms(fieldname))
        ]

    def known_terms(self, fieldname: str) -> tuple[frozenset | None, ...]:
        """Each segment's terms of a text field where they are few (``segments.small_field_terms``;
        none where the field is empty), else None: a term outside them is absent, unread."""
        known = self._known.get(fieldname)
        if known is None:
            known = self._known[fieldname] = tuple(
                NO_TERMS if empty else small_field_terms(leaf, fieldname) if self.reader.schema[fieldname].scorable else None
                for (leaf, _), empty in zip(self.leaves, self.empty_in(fieldname))
            )
        return known

    def empty_in(self, fieldname: str) -> tuple[bool, ...]:
        """Whether each segment has no word in a text field: its total length there is 0. An editor's
        save makes a segment of a few articles, most often in one language, and each query term
        is read in every language's fields (7 µs a segment the first time): in the benchmark's
        100,000 archive after its saves, 7 or 8 of its 10 segments had none in each Spanish field
        and in each field of the other languages."""
        empty = self._empty.get(fieldname)
        if empty is None:
            scorable = self.reader.schema[fieldname].scorable  # only these have lengths
            empty = self._empty[fieldname] = tuple(scorable and leaf.field_length(fieldname) == 0 for leaf, _ in self.leaves)
        return empty

    def found_in(self, fieldname: str, text) -> int:
        """The term's postings, deleted documents included: its document frequency, counted in
        the postings read (and kept) for a search."""
        return postings_count(self.term_parts(fieldname, text))

    def document_frequency(self, fieldname: str, text) -> int:
        """``found_in`` without reading the postings: each segment's count in its term table
        (Whoosh's ``reader.doc_frequency`` made three or four reads a segment; this one or two)."""
        btext = self.reader.schema[fieldname].to_bytes(text) if not isinstance(text, bytes) else text
        known = self.known_terms(fieldname)
        infos = (term_info(leaf, fieldname, btext) for (leaf, _), terms in zip(self.leaves, known) if terms is None or btext in terms)
        return sum(info.doc_frequency() for info in infos if info is not None)

    def term(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
        """(global document numbers, term frequencies) of a term: ``term_parts`` joined. The
        joined arrays are not kept: where the index has several large segments (a parallel
        rebuild writes one per process) they were a second copy of every cached term, and
        joining them is a copy of a few bytes a posting (docs/memory.md)."""
        return joined_postings(self.term_parts(fieldname, text))

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in this field as Whoosh's byte (``segments.field_lengths``),
        assembled from the segments' arrays."""
        if fieldname not in self._lengths:

            def compute():
                parts = [field_lengths(leaf, fieldname) for leaf, _ in self.leaves]
                return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8),)

            self._lengths[fieldname] = self.shared("length bytes", fieldname, compute, 1)[0]
        return self._lengths[fieldname]

    def field_documents(self, fieldname: str) -> int:
        if fieldname not in self._field_documents:
            self._field_documents[fieldname] = field_document_count(self.reader, fieldname, self.lengths(fieldname))
        return self._field_documents[fieldname]

    def add_term(self, fieldname: str, text, mask: np.ndarray, scores: np.ndarray | None, boost: float,
                 keep: np.ndarray | None = None) -> None:  # fmt: skip
        """Mark the term's documents in ``mask`` and add ``boost`` times their BM25 to ``scores``
        (unless None): a segment and ``SCORE_CHUNK`` postings at a time, into views of the two
        arrays, with no joined copy of the postings. Each document's score is the same float32
        as ``bm25`` of the whole postings times ``boost``, to the bit. ``keep`` (a mask) leaves
        out the documents outside it; the term's statistics stay those of all its postings."""
        parts = self.term_parts(fieldname, text)
        found_in = postings_count(parts)
        scorable = scores is not None and self.reader.schema[fieldname].scorable
        statistics = self.statistics(fieldname, found_in) if scorable else None
        for (docs, freqs), offset in parts:
            if scores is None and keep is None:
                mask[offset:][docs] = True
                continue
            segment_mask = mask[offset:]
            segment_keep = None if keep is None else keep[offset:]
            segment_scores = None if scores is None else scores[offset:]
            for start in range(0, len(docs), SCORE_CHUNK):
                chunk, chunk_freqs = docs[start : start + SCORE_CHUNK], freqs[start : start + SCORE_CHUNK]
                if segment_keep is not None:
                    kept = segment_keep[chunk]
                    chunk, chunk_freqs = chunk[kept], chunk_freqs[kept]
                segment_mask[chunk] = True
                if segment_scores is None:
                    continue
                part = self.bm25(fieldname, text, chunk, chunk_freqs, found_in, offset, statistics)
                part *= boost
                segment_scores[chunk] += part

    def statistics(self, fieldname: str, found_in: int) -> tuple[float, float] | None:
        """(IDF, average length in the field) of a term in ``found_in`` documents; None where
        no document has the field, and every score is 0."""
        field = self.field_statistics(fieldname)
        if field is None:
            return None
        doc_count, average = field
        return math.log(doc_count / (found_in + 1)) + 1, average

    def field_statistics(self, fieldname: str) -> tuple[int, float] | None:
        """(documents with the field, their average length in it), or None where none has it:
        the reader's, which sums them over its segments on each call (a rare query asked 32 times)."""
        if fieldname not in self._field_statistics:
            doc_count = self.field_documents(fieldname) if self.reader.doc_count_all() else 0
            field = (doc_count, self.reader.field_length(fieldname) / doc_count) if doc_count else None
            self._field_statistics[fieldname] = field
        return self._field_statistics[fieldname]

    def bm25(self, fieldname: str, text, docs: np.ndarray, freqs: np.ndarray, found_in: int | None = None,
             offset: int = 0, statistics: tuple[float, float] | None = None) -> np.ndarray:  # fmt: skip
        """Each of ``docs``'s score for the term; ``found_in`` is the term's document frequency
        when ``docs`` is only part of its postings; ``offset``, that of their segment where
        ``docs`` are a segment's own numbers; ``statistics``, the term's, where the caller has them."""
        if not self.reader.schema[fieldname].scorable:
            return freqs.astype(np.float32)  # as Whoosh's WeightScorer: a tag's weight, 1.0, is its score
        if statistics is None:
            statistics = self.statistics(fieldname, len(docs) if found_in is None else found_in)
        if statistics is None or not len(docs):
            return np.zeros(len(docs), dtype=np.float32)
        idf, average = statistics
        freqs = freqs.astype(np.float32, copy=False)  # kept in a byte each where they fit (segments.compact_frequencies)
        lengths = LENGTH_OF_BYTE[self.lengths(fieldname)[offset:][docs]]
        return idf * ((freqs * (K1 + 1)) / (freqs + K1 * ((1 - B) + B * lengths / (average or 1.0))))


def few_matches(q, snapshot, scored: bool, within) -> sparse.Matches | None:
    """``q``'s matches within ``within`` (the filters' documents, read at documents as a mask
    is: ``snapshot.BitMask``) as lists of documents and scores (``sparse``), where ``evaluate``
    would make them so: a query ``sparse`` evaluates, with filters that keep at most
    1/``SPARSE_SHARE`` of the archive or matching at most that much of it; else None. The same
    documents and scores as ``evaluate`` gives in its arrays."""
    if not sparse.evaluable(q):
        return None
    reads: dict = {}
    if within.count() * SPARSE_SHARE > snapshot.size and sparse.estimate(q, snapshot, reads) * SPARSE_SHARE > snapshot.size:
        return None
    return sparse.evaluate(q, snapshot, scored, within, reads)


def evaluate(q, snapshot, scored: bool, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """The mask of documents ``q`` matches and, if ``scored`` and possible, their scores.

    ``within`` (a mask: the search's filters) says which documents the caller keeps: outside it
    the answer may leave documents out, inside it is the same. Filters that keep few documents
    then make even a common word's part cheap: its postings are cut to them before anything else.

    Raises Unscorable only when ``scored`` is asked for a part that Whoosh must rank.
    """
    size = snapshot.size
    if sparse.evaluable(q):
        narrow = within is not None and np.count_nonzero(within) * SPARSE_SHARE <= size
        reads: dict = {}
        if narrow or sparse.estimate(q, snapshot, reads) * SPARSE_SHARE <= size:
            return sparse.evaluate(q, snapshot, scored, within, reads).dense(size)
    if isinstance(q, query.Every):
        return snapshot.live.copy(), (np.zeros(size, dtype=np.float32) if scored else None)
    if isinstance(q, query.Term):
        mask = np.zeros(size, dtype=bool)
        scores = np.zeros(size, dtype=np.float32) if scored else None
        add_term(q, snapshot, mask, scores)  # 0.0 + a score is that score
        return mask, scores
    if isinstance(q, query.NumericRange) and q.fieldname in snapshot.date_fields:
        return snapshot.range_mask(q.fieldname, q.start, q.end, q.startexcl, q.endexcl), (
            np.zeros(size, dtype=np.float32) if scored else None
        )
    if isinstance(q, LanguageBranch):
        # A language the archive has no documents in costs nothing more.
        within = analysis_documents(q, snapshot)
        if not within.any():
            return np.zeros(size, dtype=bool), (np.zeros(size, dtype=np.float32) if scored else None)
        if (terms := tree_terms(q.tree)) is not None:  # a word, or more like this: added within at once
            mask = np.zeros(size, dtype=bool)
            scores = np.zeros(size, dtype=np.float32) if scored else None
            for term in terms:
                add_term(term, snapshot, mask, scores, keep=within)
            return mask, scores
        mask, scores = evaluate(q.tree, snapshot, scored)
        mask &= within
        return mask, (only_within(mask, scores) if scored else None)
    if isinstance(q, query.AndNot):
        mask, scores = evaluate(q.a, snapshot, scored)
        excluded, _ = evaluate(q.b, snapshot, False)
        mask = mask & ~excluded
        return mask, (only_within(mask, scores) if scored else None)
    if isinstance(q, query.Not):
        excluded, _ = evaluate(q.query, snapshot, False)
        mask = snapshot.live & ~excluded
        # Whoosh's InverseMatcher scores every match 1.0.
        return mask, (mask.astype(np.float32) if scored else None)
    if type(q) is query.Or and q.subqueries:
        return any_of(q, snapshot, scored)
    if isinstance(q, (query.And, query.Or)) and not isinstance(q, (query.DisjunctionMax, query.Ordered)):
        parts = [evaluate(child, snapshot, scored) for child in q.subqueries]
        if not parts:
            return np.zeros(size, dtype=bool), None
        combine = np.logical_and if isinstance(q, query.And) else np.logical_or
        mask = parts[0][0].copy()
        for part_mask, _ in parts[1:]:
            combine(mask, part_mask, out=mask)
        if not scored:
            return mask, None
        scores = np.zeros(size, dtype=np.float32)
        for _, part_scores in parts:
            scores += part_scores
        if q.boost != 1:  # "word^3" with several fields is an Or of the word's terms, boosted as Whoosh does
            scores *= q.boost
        # A document outside an And (matched by a sibling in an enclosing Or) gets none of its score.
        return mask, (only_within(mask, scores) if isinstance(q, query.And) else scores)
    if scored:
        raise Unscorable(type(q).__name__)
    return snapshot.mask_of(q.docs(snapshot.searcher)), None


def add_term(term: query.Term, snapshot, mask: np.ndarray, scores: np.ndarray | None, keep: np.ndarray | None = None):
    """A term's part of an ``Or``, added to its arrays (``any_of``), within ``keep`` if given."""
    if scores is None and term.fieldname in snapshot.value_fields:
        docs = snapshot.value_docs(term.fieldname, term.text)
        mask[docs if keep is None else docs[keep[docs]]] = True
    else:
        snapshot.postings.add_term(term.fieldname, term.text, mask, scores, term.boost, keep)


def branch_terms(q, siblings) -> list[query.Term] | None:
    """The terms of a language branch of one word or of words in an ``Or`` (a one-word query in
    every field), where its siblings are branches of other analyses; otherwise None.

    Each document has one analysis, so such a branch's documents get nothing from any sibling,
    and its terms can add straight into the enclosing ``Or``'s arrays, within its analysis: the
    same sums, to the bit, without two arrays of the archive's size per branch."""
    if not isinstance(q, LanguageBranch) or q.boost != 1:
        return None
    analyses = {(s.routing_field, s.analysis) for s in siblings if isinstance(s, LanguageBranch)}
    if len(analyses) != len(siblings) or len({field for field, _ in analyses}) != 1:
        return None
    return tree_terms(q.tree)


def tree_terms(tree) -> list[query.Term] | None:
    """A term, or the terms of an unboosted ``Or`` of terms, which add to the same arrays one
    after the other as the ``Or`` would; otherwise None."""
    if isinstance(tree, query.Term):
        return [tree]
    if type(tree) is query.Or and tree.boost == 1 and tree.subqueries and all(isinstance(t, query.Term) for t in tree.subqueries):
        return list(tree.subqueries)
    return None


def any_of(q: query.Or, snapshot, scored: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """An ``Or`` as one mask and one score array that each part adds to in turn. A term adds its
    postings' scores where it occurs, with no arrays of the archive's size of its own (a document
    it misses would have added 0.0, which changes no sum); so does a language branch of terms
    (``branch_terms``); any other part adds its arrays. The sums are those of adding every part's
    arrays, to the bit: more like this is an ``Or`` of 15 terms."""
    size = snapshot.size
    mask = np.zeros(size, dtype=bool)
    scores = np.zeros(size, dtype=np.float32) if scored else None
    for child in q.subqueries:
        if isinstance(child, query.Term):
            add_term(child, snapshot, mask, scores)
        elif (terms := branch_terms(child, q.subqueries)) is not None:
            within = analysis_documents(child, snapshot)
            for term in terms if within.any() else ():
                add_term(term, snapshot, mask, scores, keep=within)
        else:
            part_mask, part_scores = evaluate(child, snapshot, scored)
            mask |= part_mask
            if scored:
                scores += part_scores
    if scored and q.boost != 1:  # "word^3" with several fields is an Or of the word's terms, boosted as Whoosh does
        scores *= q.boost
    return mask, scores


def only_within(mask: np.ndarray, scores: np.ndarray) -> np.ndarray:
    return np.multiply(scores, mask, out=scores)  # in place: no index array of the archive's size


def top_documents(mask: np.ndarray, scores: np.ndarray, start: int, end: int) -> list[tuple[int, float]]:
    """The (docnum, score) pairs ranked start..end, best first, ties broken by document number.

    The archive is read ``TOP_CHUNK`` documents at a time, each part keeping its candidates for
    the first ``end``: a common word's matches, listed whole, were arrays of megabytes (its
    document numbers, their scores and a copy to partition) made and given back on every search.
    A document among the first ``end`` is among the first ``end`` of its part, so the answer is
    the same as ranking every match at once."""
    if end <= start:
        return []
    found = []
    for first in range(0, len(mask), TOP_CHUNK):
        docs = np.flatnonzero(mask[first : first + TOP_CHUNK])
        if len(docs):
            found.append(best_of(docs + first, scores[first : first + TOP_CHUNK][docs], end))
    if not found:
        return []
    candidates, candidate_scores = best_of(
        np.concatenate([docs for docs, _ in found]), np.concatenate([part_scores for _, part_scores in found]), end
    )
    order = np.lexsort((candidates, -candidate_scores))[start:end]
    return [(int(candidates[i]), float(candidate_scores[i])) for i in order]


def documents_in_order(mask: np.ndarray, start: int, end: int) -> list[int]:
    """``np.flatnonzero(mask)[start:end]``, the mask read ``TOP_CHUNK`` documents at a time until
    it has them: a count (which fetches one result) or a first page in index order read the whole
    archive's mask (50 µs at 100,000 articles) for a handful of documents."""
    if end <= start:
        return []
    parts, count = [], 0
    for first in range(0, len(mask), TOP_CHUNK):
        docs = np.flatnonzero(mask[first : first + TOP_CHUNK])
        if len(docs):
            parts.append(docs + first)
            count += len(docs)
            if count >= end:
                break
    return np.concatenate(parts)[start:end].tolist() if parts else []


def top_of_few(docs: np.ndarray, scores: np.ndarray, start: int, end: int) -> list[tuple[int, float]]:
    """``top_documents`` of the matches ``docs`` (sorted numbers) with their ``scores``: best
    score first, ties by document number."""
    if end <= start:
        return []
    order = np.lexsort((docs, -scores))[start:end]
    return list(zip(docs[order].tolist(), scores[order].astype(float).tolist()))


def best_of(candidates: np.ndarray, scores: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray]:
    """The candidates (and their scores) scoring at least the ``end``-th best: ties are kept, so
    that pages never overlap."""
    if end < len(candidates):
        threshold = -np.partition(-scores, end - 1)[end - 1]
        keep = scores >= threshold
        candidates, scores = candidates[keep], scores[keep]
    return candidates, scores
