"""“Did you mean”: each word of a query as the archive writes it, or its nearest indexed word.

The index keeps no separate unstemmed spelling field (it doubled the postings written, a third of
indexing time). Words are compared by their index terms (folded, stemmed): the terms one edit away
are looked up, further ones found with RapidFuzz, and the chosen term is shown the way the archive
writes it, read from one article that has it.
"""

from typing import NamedTuple

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .snippets import WORD

FORM_SOURCE_CHARS = 5000  # where to look for a term's written forms; the lead has most of them
FORMS_CACHED = 50_000
_forms: dict[tuple, str] = {}  # (field, term, typed word): its written form, remembered across generations

MAX_WORDS = 10
MAX_WORD_LENGTH = 40
RESERVED_WORDS = {"AND", "OR", "NOT", "TO"}


def spelling_suggestion(snapshot, fields, query_string: str) -> str | None:
    """The query with each unknown word replaced by its nearest known word, or None.

    ``fields`` are (index field, stored field, term_of) per language the content is read in: a
    word is known when one of them has its term, and a correction is the nearest word of any."""
    words = [w for w in query_string.replace('"', " ").split() if w.upper() not in RESERVED_WORDS and ":" not in w]
    suggested, changed = [], False  # words lose the query syntax haystack wrapped them in
    for word in words[:MAX_WORDS]:
        bare = word.strip("()+-~^*?\\")
        usable = bool(bare) and len(bare) <= MAX_WORD_LENGTH
        readings = [(field, stored, term_of, term_of(bare.lower()) if usable else None) for field, stored, term_of in fields]
        readings = [reading for reading in readings if reading[3] is not None]
        if not readings:
            suggested.append(bare)  # a stop word or not one word: keep it
            continue
        # Known: a segment has postings of it, read through the cache that the search itself filled.
        known = next((r for r in readings if snapshot.postings.found_in(r[0], r[3])), None)
        if known is not None:
            # Known through its stem: the archive's own spelling if it never writes it as typed.
            field, stored, term_of, term = known
            form = surface_form(snapshot, field, stored, term, term_of, typed=bare.lower())
            suggested.append(form)
            changed = changed or form != bare.lower()
            continue
        corrections = [(nearest_term(snapshot, field, term), field, stored, term_of) for field, stored, term_of, term in readings]
        corrections = [c for c in corrections if c[0] is not None]
        if not corrections:
            suggested.append(bare)
            continue
        correction, field, stored, term_of = min(corrections, key=lambda c: c[0][1:])
        suggested.append(surface_form(snapshot, field, stored, correction[0], term_of))
        changed = True
    return " ".join(suggested) if changed else None


class Vocabulary(NamedTuple):
    """A text field's words (``snapshot.spelling_words``): by length, and the letters they use."""

    by_length: dict[int, frozenset[str]]
    letters: str


def vocabulary_of(words) -> Vocabulary:
    by_length: dict[int, set[str]] = {}
    letters: set[str] = set()
    for word in words:
        by_length.setdefault(len(word), set()).add(word)
        letters.update(word)
    return Vocabulary({length: frozenset(same) for length, same in by_length.items()}, "".join(sorted(letters)))


def nearest_term(snapshot, fieldname: str, term: str) -> tuple[str, int, int] | None:
    """The closest indexed term (edit distance 1 for short words, 2 otherwise), the commonest
    among ties, as (term, distance, -document frequency).

    The words one edit away are made and looked up (some hundreds of set look-ups, 30-60 µs);
    only a long word with none of them is compared with every word of about its length
    (RapidFuzz: 0.3-0.8 ms a word at 100,000 articles)."""
    limit = 1 if len(term) <= 4 else 2
    vocabulary = snapshot.spelling_words(fieldname)
    by_length = vocabulary.by_length
    if term in by_length.get(len(term), ()):
        found = {term: 0}
    else:
        found = dict.fromkeys(one_edit_away(term, vocabulary), 1)
    if not found and limit > 1:
        # A word more than ``limit`` letters longer or shorter is more than ``limit`` edits away.
        # Each length's set is compared as it is: listing them first took 0.5 ms of 1.5.
        for length in range(len(term) - limit, len(term) + limit + 1):
            matches = process.extract(term, by_length.get(length, ()), scorer=Levenshtein.distance, score_cutoff=limit, limit=None)
            found.update((word, distance) for word, distance, _ in matches)
    if not found:
        return None
    nearest = min(found.values())
    return min(
        ((word, distance, -snapshot.postings.document_frequency(fieldname, word)) for word, distance in found.items() if distance == nearest),
        key=lambda c: (c[1], c[2], c[0]),
    )


def one_edit_away(term: str, vocabulary: Vocabulary) -> set[str]:
    """The words of ``vocabulary`` one letter deleted, replaced or inserted away from ``term``."""
    letters, by_length = vocabulary.letters, vocabulary.by_length
    splits = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    deleted = {head + tail[1:] for head, tail in splits if tail}
    replaced = {head + letter + tail[1:] for head, tail in splits if tail for letter in letters}
    inserted = {head + letter + tail for head, tail in splits for letter in letters}
    replaced.discard(term)
    empty = frozenset()
    return (
        (deleted & by_length.get(len(term) - 1, empty))
        | (replaced & by_length.get(len(term), empty))
        | (inserted & by_length.get(len(term) + 1, empty))
    )


def surface_form(snapshot, fieldname: str, stored_name: str, term: str, term_of, typed: str | None = None) -> str:
    """How the archive writes a term ("government" for "govern"), from the first article with it:
    ``typed`` if that article writes it so, else the first form of the term there.

    Every search with words asks this of each known word (haystack suggests for any query), so
    it must cost little: the typed word and the term's first letters are found with ``str.find``,
    and only the words that start so are analysed (every word if none of those is it). Answers
    are remembered per process.
    """
    key = (fieldname, term, typed)
    form = _forms.get(key)
    if form is None:
        first = first_live_document(snapshot, fieldname, term)
        text = (snapshot.searcher.stored_fields(first).get(stored_name) or "")[:FORM_SOURCE_CHARS] if first is not None else ""
        form = written_form(text, term, typed, term_of) or typed or term
        if len(_forms) >= FORMS_CACHED:
            _forms.clear()
        _forms[key] = form
    return form


def first_live_document(snapshot, fieldname: str, term: str, chunk: int = 256) -> int | None:
    """The first live document in the term's postings, read a segment and ``chunk`` postings at a
    time: a common word's postings are not joined (nor all looked up) for one document."""
    for (docs, _), offset in snapshot.postings.term_parts(fieldname, term):
        for start in range(0, len(docs), chunk):
            numbers = docs[start : start + chunk] + offset
            live = np.flatnonzero(snapshot.live[numbers])
            if len(live):
                return int(numbers[live[0]])
    return None


def written_form(text: str, term: str, typed: str | None, term_of) -> str | None:
    """``typed`` if ``text`` writes it, else the first word of ``text`` whose index term is ``term``."""
    text = text.lower()
    if typed and any(match.group() == typed for match in words_starting(text, typed)):
        return typed
    # Accents can hide the term's first letters ("méxico" for "mexico"): then every word is tried.
    for words in (words_starting(text, term[:3]), WORD.finditer(text)):
        for match in words:
            if term_of(match.group()) == term:
                return match.group()
    return None


def words_starting(text: str, prefix: str):
    """The words of ``text`` that start with ``prefix``, found with ``str.find`` (no pattern to compile)."""
    start = text.find(prefix) if prefix else -1
    while start != -1:
        if start == 0 or not text[start - 1].isalnum():
            match = WORD.match(text, start)
            if match:
                yield match
        start = text.find(prefix, start + 1)
