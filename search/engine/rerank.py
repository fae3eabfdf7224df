"""Pseudo-relevance feedback: the first pass's best articles say what a query is about.

A topic's words name it, but the stories about it share more than its name: for "coffee", the
first pass's best ten Reuters stories share "quota", "ICO", "producers", "export", "roasters";
a story that only mentions coffee has few of them.
So the first pass's best ``documents`` are read as relevant, the terms ``shared_by`` of them have (by
tf·idf, from their stored text, in each one's language) become expansion terms, and the first
pass's best ``candidates`` are scored again: their first-pass score plus ``weight`` times their
BM25 score for the expansion terms, scaled to the first pass's best score. On the topic evaluation
it raised the mean P@10 from 0.802 to 0.832 (docs/ranking.md, with the grid the parameters come
from).

Only the order changes: the matches and their count are the first pass's, a candidate's score
never goes down, so the re-ranked candidates stay above every other match and pages never overlap.
It costs a read and an analysis of ``documents`` stored texts and a read of the expansion terms'
postings: about 4 ms of CPU for a new search at 21,576 articles, 1 ms for one whose best documents
it has seen (the expansion terms are remembered per generation). That is over the 1-2 ms a search
can spend, so the connection switches it on (``FEEDBACK``; ``SEARCH_FEEDBACK=1`` in settings).
"""

import math
import re
import weakref
from collections import Counter, OrderedDict
from dataclasses import dataclass

import numpy as np

from .related import document_frequency
from .scoring import top_documents
from .snippets import WORD

SOURCE_CHARS = 3000  # a story's lead says what it is about; long bodies cost time (as related.py)
DIGIT = re.compile(r"\d")  # figures and dates are no topic
EXPANSIONS_KEPT = 1024  # expansion terms remembered per generation, a few hundred bytes each
_expansions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # snapshot -> {feedback key: weights}


@dataclass(frozen=True)
class Feedback:
    """The re-rank's parameters, each chosen by measurement (docs/ranking.md)."""

    documents: int = 10  # the first pass's best, read as relevant; 5 gained nothing, 15-20 lost
    candidates: int = 100  # the first pass's best that may move; 30 and 300 within 0.005
    terms: int = 20  # expansion terms; 10 lost 0.011
    shared_by: int = 3  # feedback documents a term must be in: one story's names are no topic
    weight: float = 2.0  # of the expansion score, beside the first pass's; 1.0 to 3.0 within 0.006

    @classmethod
    def from_option(cls, option) -> "Feedback | None":
        """The connection's ``FEEDBACK`` option: absent or False for no re-rank (its cost is over
        the search's budget, docs/ranking.md), True for these parameters, or a dict of those to change."""
        if option is None or option is False:
            return None
        if option is True:
            return cls()
        return cls(**option)


def document_terms(text: str, fieldname: str, term_of) -> dict:
    """How often each (field, index term) occurs in the lead of a stored text, figures left out.
    Each distinct word is analysed once: a story repeats its words."""
    terms = {}
    for word, count in Counter(WORD.findall(text[:SOURCE_CHARS].lower())).items():
        if word.isalpha() or not DIGIT.search(word):
            term = term_of(word)
            if term:
                key = (fieldname, term)
                terms[key] = terms.get(key, 0) + count
    return terms


def expansion_terms(feedback_counts: list[dict], exclude: set, feedback: Feedback, frequency_of, documents_of) -> dict:
    """{(field, term): weight relative to the best} of the terms that at least ``shared_by`` of the
    feedback documents have, weighed by tf (1 + ln count, summed over them) times idf; the
    query's own terms are left out: every candidate has them already."""
    shared = Counter()
    for counts in feedback_counts:
        shared.update(counts.keys())
    weights = {}
    for key, documents in shared.items():
        if documents < feedback.shared_by or key in exclude:
            continue
        found_in = frequency_of(key)
        if found_in > 1:
            tf = sum(1 + math.log(counts[key]) for counts in feedback_counts if key in counts)
            weights[key] = tf * (math.log(documents_of(key[0]) / (found_in + 1)) + 1)
    best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[: feedback.terms]
    return {key: weight / best[0][1] for key, weight in best} if best else {}


def expansion_scores(postings, candidates: np.ndarray, weights: dict) -> np.ndarray:
    """Each candidate's BM25 score for the weighted expansion terms. Postings are sorted by
    document number, so a candidate's posting is found by binary search, not by a mask of the archive."""
    scores = np.zeros(len(candidates), dtype=np.float64)
    for (fieldname, term), weight in weights.items():
        docs, freqs = postings.term(fieldname, term)
        if not len(docs):
            continue
        at = np.minimum(np.searchsorted(docs, candidates), len(docs) - 1)
        found = docs[at] == candidates
        if found.any():
            scores[found] += weight * postings.bm25(fieldname, term, docs[at[found]], freqs[at[found]])
    return scores


def remembered_expansion(snapshot, feedback_docnums, exclude: frozenset, feedback: Feedback, terms_of_document) -> dict:
    """``expansion_terms`` of these feedback documents, remembered for the generation: the same
    best documents give the same terms, and a search's next page, a repeated search and a search
    with a narrower filter that keeps the best documents read and analyse no text again."""
    key = (tuple(int(docnum) for docnum in feedback_docnums), exclude, feedback)
    known = _expansions.setdefault(snapshot, OrderedDict())
    weights = known.get(key)
    if weights is not None:
        known.move_to_end(key)
        return weights
    frequencies = {}

    def frequency_of(key):
        if key[0] not in frequencies:
            frequencies[key[0]] = document_frequency(snapshot, key[0])
        return frequencies[key[0]](key[1])

    counts = [terms_of_document(docnum) for docnum in key[0]]
    weights = known[key] = expansion_terms(counts, exclude, feedback, frequency_of, snapshot.postings.field_documents)
    if len(known) > EXPANSIONS_KEPT:
        known.popitem(last=False)
    return weights


def feedback_scores(snapshot, main_query, matched, scores, feedback: Feedback, terms_of_document) -> np.ndarray:
    """``scores`` with the first pass's best ``candidates`` scored again by the feedback of its
    best ``documents``; the same array where there is nothing to learn (no more matches than
    feedback documents, or no term they share). ``terms_of_document(docnum)`` gives a document's
    ``document_terms``."""
    if int(np.count_nonzero(matched)) <= feedback.documents:
        return scores
    first = top_documents(matched, scores, 0, feedback.candidates)
    candidates = np.array([docnum for docnum, _ in first], dtype=np.int64)
    base = np.array([score for _, score in first], dtype=np.float64)
    if base[0] <= 0:
        return scores
    exclude = {(fieldname, text) for fieldname, text in main_query.iter_all_terms()}
    exclude |= {(fieldname, text.decode("utf-8")) for fieldname, text in exclude if isinstance(text, bytes)}
    weights = remembered_expansion(snapshot, candidates[: feedback.documents], frozenset(exclude), feedback, terms_of_document)
    extra = expansion_scores(snapshot.postings, candidates, weights)
    if not extra.max(initial=0.0) > 0:
        return scores
    reranked = scores.copy()
    reranked[candidates] = base + feedback.weight * base[0] * extra / extra.max()
    return reranked
