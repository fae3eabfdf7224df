"""Query parts that match few documents, evaluated as sorted lists of documents.

``scoring.evaluate`` works on arrays the size of the archive: a boolean mask and a score per
document. A two-word query, read in three languages and over the text and the title, takes some
thirty of them, and at 100,000 articles each new 400 KB array is fresh pages that the kernel
must fault in and zero: that, not the arithmetic, was most of a rare query's time. A part whose
terms are rare is evaluated here instead, as (documents, scores) pairs the length of its
postings, and made into one mask and one score array at the end.

The scores are added in the same order, in the same float32, as the array evaluation adds them,
so that both give the same scores to the bit and the same order among equal ones.
"""

from dataclasses import dataclass

import numpy as np
from whoosh import query

from .languages import LanguageBranch
from .segments import joined_postings, postings_count


@dataclass(frozen=True)
class Matches:
    docs: np.ndarray  # sorted, unique global document numbers (deleted ones included, as postings)
    scores: np.ndarray | None  # float32, one per document, when scored

    def dense(self, size: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The (mask, scores) arrays of ``scoring.evaluate``."""
        mask = np.zeros(size, dtype=bool)
        mask[self.docs] = True
        if self.scores is None:
            return mask, None
        scores = np.zeros(size, dtype=np.float32)
        scores[self.docs] = self.scores
        return mask, scores


EMPTY_SCORES = np.zeros(0, dtype=np.float32)


def evaluable(q) -> bool:
    """Whether every part of ``q`` is a term, an And, an Or or a language branch of them."""
    if isinstance(q, query.Term):
        return True
    if isinstance(q, LanguageBranch):
        return evaluable(q.tree)
    if isinstance(q, (query.And, query.Or)) and not isinstance(q, (query.DisjunctionMax, query.Ordered)):
        return bool(q.subqueries) and all(evaluable(child) for child in q.subqueries)
    return False


def estimate(q, snapshot, reads: dict | None = None) -> int:
    """At most how many documents ``q`` matches (an evaluable ``q``). Reads the terms' postings,
    by segment, into ``reads`` (by field and text) for ``evaluate``: looking a term up in each
    segment's cache again was a fifth of a rare query's evaluation."""
    if isinstance(q, query.Term):
        if q.fieldname in snapshot.value_fields:
            return len(snapshot.value_docs(q.fieldname, q.text))
        parts = snapshot.postings.term_parts(q.fieldname, q.text)  # counted by segment: no joined copy
        if reads is not None:
            reads[q.fieldname, q.text] = parts
        return postings_count(parts)
    if isinstance(q, LanguageBranch):
        return estimate(q.tree, snapshot, reads)
    if isinstance(q, query.And):
        least = None
        for child in q.subqueries:
            count = estimate(child, snapshot, reads)
            if not count:
                return 0  # the rest need not be read: a new word's absent readings are most of a first search's look-ups
            least = count if least is None else min(least, count)
        return least
    return sum(estimate(child, snapshot, reads) for child in q.subqueries)


def term_docs(q: query.Term, snapshot) -> np.ndarray:
    if q.fieldname in snapshot.value_fields:
        return snapshot.value_docs(q.fieldname, q.text)
    return snapshot.postings.term(q.fieldname, q.text)[0]


def evaluate(q, snapshot, scored: bool, within: np.ndarray | None = None, reads: dict | None = None) -> Matches:
    """``scoring.evaluate`` of an evaluable ``q``, as a document list; with ``within`` (a mask),
    only the documents in it: each term's postings are cut to them first, scored with the
    term's whole document frequency, so a document kept scores as without ``within``.
    ``reads``: terms' postings by segment that ``estimate`` read."""
    if isinstance(q, query.Term):
        if not scored and q.fieldname in snapshot.value_fields:
            docs = snapshot.value_docs(q.fieldname, q.text)  # sorted and unique, as postings
            return Matches(docs if within is None else docs[within[docs]], None)
        parts = reads.get((q.fieldname, q.text)) if reads else None
        docs, freqs = joined_postings(parts) if parts is not None else snapshot.postings.term(q.fieldname, q.text)
        found_in = len(docs)
        if not found_in:
            return Matches(docs, EMPTY_SCORES.copy() if scored else None)  # most of a rare query's terms
        if within is not None:
            keep = within[docs]
            docs, freqs = docs[keep], freqs[keep]
        if not scored:
            return Matches(docs, None)
        scores = np.empty(len(docs), dtype=np.float32)
        scores[:] = snapshot.postings.bm25(q.fieldname, q.text, docs, freqs, found_in) * q.boost
        return Matches(docs, scores)
    if isinstance(q, LanguageBranch):
        analysed = analysis_documents(q, snapshot)
        matches = evaluate(q.tree, snapshot, scored, within, reads)
        keep = analysed[matches.docs]
        return Matches(matches.docs[keep], None if matches.scores is None else matches.scores[keep])
    conjunction = isinstance(q, query.And)
    parts = []
    for child in q.subqueries:
        part = evaluate(child, snapshot, scored, within, reads)
        if len(part.docs):
            parts.append(part)
        elif conjunction:
            return part  # no document has every part: the rest need not be read
    if not parts:
        return Matches(np.zeros(0, dtype=np.int64), EMPTY_SCORES.copy() if scored else None)
    if len(parts) == 1 and not conjunction:
        matches = parts[0]  # its scores are 0.0 + each score, in an array of this evaluation's own
    else:
        matches = both(parts, scored) if conjunction else either(parts, scored)
    if scored and q.boost != 1:
        matches.scores[...] *= q.boost
    return matches


def analysis_documents(branch: LanguageBranch, snapshot) -> np.ndarray:
    """The mask of the documents of one analysis, remembered per generation; ``scoring.evaluate``
    reads the same."""

    def compute():
        mask = np.zeros(snapshot.size, dtype=bool)
        mask[term_docs(branch.routing_query, snapshot)] = True
        return mask

    return snapshot.remembered(("analysis", branch.routing_field, branch.analysis), compute)


def both(parts: list[Matches], scored: bool) -> Matches:
    """The documents in every part, each scoring the sum of its parts' scores."""
    docs = parts[0].docs
    for part in parts[1:]:
        docs = docs[contains(part.docs, docs)]
    return Matches(docs, summed(docs, parts) if scored else None)


def either(parts: list[Matches], scored: bool) -> Matches:
    """The documents in any part, each scoring the sum of its parts' scores."""
    docs = union([part.docs for part in parts])
    return Matches(docs, summed(docs, parts) if scored else None)


def union(sorted_lists: list[np.ndarray]) -> np.ndarray:
    """The sorted union of sorted document lists. A stable sort merges the sorted runs (timsort)
    in linear time; ``np.unique`` hashes and sorts them anew, 20 to 60 times slower here."""
    if len(sorted_lists) == 1:
        return sorted_lists[0]
    docs = np.sort(np.concatenate(sorted_lists), kind="stable")
    if len(docs) < 2:
        return docs
    first = np.empty(len(docs), dtype=bool)
    first[0] = True
    np.not_equal(docs[1:], docs[:-1], out=first[1:])
    return docs[first]


def summed(docs: np.ndarray, parts: list[Matches]) -> np.ndarray:
    """Each document's scores added part by part, from zero, as the array evaluation adds them."""
    scores = np.zeros(len(docs), dtype=np.float32)
    for part in parts:
        found = contains(part.docs, docs)
        where = np.searchsorted(part.docs, docs[found])
        scores[found] += part.scores[where]
    return scores


def contains(sorted_docs: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """For each of ``docs``, whether ``sorted_docs`` has it."""
    if not len(sorted_docs) or not len(docs):
        return np.zeros(len(docs), dtype=bool)
    where = np.searchsorted(sorted_docs, docs)
    where[where == len(sorted_docs)] = 0
    return sorted_docs[where] == docs
