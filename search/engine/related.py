"""More like this, over the snapshot's arrays: a document's key terms and tags, and no wire copies.

Whoosh's ``more_like`` analyses the stored text and runs its own matcher one document at a time.
Here the document's key terms (tf·idf, from the start of its stored text, analysed in its own
language) become an ``Or`` of boosted terms that ``scoring.evaluate`` ranks with BM25 as numpy
arrays; the text score is taken relative to the document's own. Tag fields named in the
connection (``MORE_LIKE_THIS_FIELDS``: field to weight) then add, per field, its weight times the
share of the document's values (by IDF) that a candidate has too. Candidates are the documents
sharing a key term: tags order related documents, they do not make unrelated ones related.

Wire copies (one story from two sources, a re-import) count as one: walking the ranking, a
candidate whose word shingles are mostly those of the document, or of a candidate kept before it,
is dropped.
"""

import math
import re
import weakref
from collections import Counter

import numpy as np
from whoosh import query

from . import segments
from .memo import BoundedMemo
from .scoring import evaluate, top_documents
from .snippets import WORD

KEY_TERMS = 15  # Lucene's MoreLikeThis takes 25, Whoosh's 5; each costs a read of its postings
TERMS_WEIGHED = 30  # the text's most frequent terms, the earliest first, whose IDF is looked up
SOURCE_CHARS = 3000  # a story's key terms and its wording are in its lead; long bodies cost time
DIGIT = re.compile(r"\d")  # figures and dates are no topic
_frequencies: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # snapshot -> BoundedMemo of (field, term)
SHINGLE_CHARS = 1500  # copies of a story agree in its lead, whatever they add or cut at the end
DUPLICATE_SHARE = 0.5  # of the shorter text's shingles; distinct stories on one topic share few


def key_terms(text: str, term_of, document_frequency, documents: int) -> dict[str, float]:
    """The text's ``KEY_TERMS`` index terms with the highest tf·idf, each with its weight
    relative to the best (1.0). Terms no other document has cannot find anything and are left
    out, and so are figures. Only the ``TERMS_WEIGHED`` most frequent are weighed: each costs a
    look-up in every segment the first time."""
    words = WORD.findall(text[:SOURCE_CHARS])
    counts = Counter(term for word in words if (term := term_of(word)) and not DIGIT.search(term))
    weights = {}
    for term, count in counts.most_common(TERMS_WEIGHED):
        found_in = document_frequency(term)
        if found_in > 1:
            weights[term] = count * (math.log(documents / (found_in + 1)) + 1)
    best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:KEY_TERMS]
    return {term: weight / best[0][1] for term, weight in best} if best else {}


def document_frequency(snapshot, fieldname: str):
    """``term -> documents with it``, remembered for the generation within the document
    frequencies' share of the cache budget: a term is looked up in every segment (25 at
    100,000 articles), and articles share most of their words."""
    known = _frequencies.get(snapshot)
    if known is None:
        postings = snapshot.postings  # not the snapshot: the memo is kept only as long as the snapshot lives
        known = _frequencies.setdefault(snapshot, BoundedMemo(lambda key: postings.document_frequency(*key), segments.FREQUENCIES))

    def frequency(term: str) -> int:
        return known((fieldname, term))

    return frequency


def frequencies_held_bytes(snapshot) -> int:
    known = _frequencies.get(snapshot)
    return known.held_bytes() if known is not None else 0


def text_likeness(snapshot, own: int, fieldname: str, terms: dict[str, float], within=None):
    """(mask, scores) of the documents sharing a key term, scores relative to ``own``'s.
    ``within(tree)`` wraps the query (the document's language branch)."""
    tree = query.Or([query.Term(fieldname, term, boost=weight) for term, weight in terms.items()])
    mask, scores = evaluate(within(tree) if within else tree, snapshot, scored=True)
    own_score = float(scores[own])
    if own_score > 0:
        scores /= own_score
    return mask, scores


def tag_likeness(snapshot, stored: dict, weights: dict[str, float]) -> np.ndarray | None:
    """Each document's weighted share of ``stored``'s tags, by IDF (a rare operation counts more
    than a country half the archive has); None when the document has none."""
    scores = None
    for fieldname, weight in weights.items():
        values = [value for value in (stored.get(fieldname) or "").split(",") if value]
        docs_of = {value: snapshot.value_docs(fieldname, value) for value in values}
        idf = {value: math.log(snapshot.size / (len(docs) + 1)) + 1 for value, docs in docs_of.items()}
        total = sum(idf.values())
        if not total:
            continue
        if scores is None:
            scores = np.zeros(snapshot.size, dtype=np.float32)
        for value, docs in docs_of.items():
            scores[docs] += weight * idf[value] / total
    return scores


def shingles(text: str, fold) -> frozenset:
    """Hashes of the runs of three words (lowercased, ``fold``-ed) of the text's lead, where
    copies of a story agree."""
    words = WORD.findall(text[:SHINGLE_CHARS].lower().translate(fold))
    if len(words) < 3:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    return frozenset(map(hash, zip(words, words[1:], words[2:])))


def near_duplicate(one: frozenset, other: frozenset) -> bool:
    """Most of the shorter text's shingles are in the longer: a copy, a cut or a re-import."""
    shorter = min(len(one), len(other))
    return bool(shorter) and len(one & other) >= DUPLICATE_SHARE * shorter


def distinct_top(mask, scores, end: int, shingles_of, own_shingles: frozenset) -> list[tuple[int, float]]:
    """The best ``end`` (docnum, score) pairs that are no near-duplicate of the document or of a
    better one."""
    kept, kept_shingles, duplicates = [], [own_shingles], 0
    wanted = end + 5
    while True:
        ranked = top_documents(mask, scores, 0, wanted)
        for docnum, score in ranked[len(kept) + duplicates :]:
            candidate = shingles_of(docnum)
            if any(near_duplicate(candidate, seen) for seen in kept_shingles):
                duplicates += 1
                continue
            kept.append((docnum, score))
            kept_shingles.append(candidate)
            if len(kept) == end:
                return kept
        if len(ranked) < wanted:
            return kept
        wanted *= 2
