"""The nearest term of a word not in the index is the one a comparison with every indexed word
finds: the closest within the edit limit, the commonest among ties, then the first in order.
``nearest_term`` looks the words one edit away up and compares further only where there are none."""

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from search.engine.spelling import nearest_term, one_edit_away, vocabulary_of

LETTERS = "abcñé"  # few letters, so that words near each other are common
words = st.text(LETTERS, min_size=1, max_size=8)


def snapshot_of(frequencies: dict[str, int]):
    """What ``nearest_term`` reads of a snapshot: a field's words and their document frequencies."""
    vocabulary = vocabulary_of(frequencies)
    return SimpleNamespace(
        spelling_words=lambda fieldname: vocabulary,
        postings=SimpleNamespace(document_frequency=lambda fieldname, word: frequencies[word]),
    )


def compared_with_every_word(frequencies: dict[str, int], term: str):
    limit = 1 if len(term) <= 4 else 2
    near = [(word, Levenshtein.distance(term, word), -count) for word, count in frequencies.items()]
    near = [candidate for candidate in near if candidate[1] <= limit]
    return min(near, key=lambda c: (c[1], c[2], c[0])) if near else None


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(words, st.integers(1, 3), max_size=60), words)
def test_the_nearest_term_is_that_of_a_comparison_with_every_word(frequencies, term):
    assert nearest_term(snapshot_of(frequencies), "text", term) == compared_with_every_word(frequencies, term)


@settings(max_examples=300, deadline=None)
@given(st.sets(words, max_size=60), words)
def test_the_words_one_edit_away_are_those_at_distance_one(vocabulary, term):
    assert one_edit_away(term, vocabulary_of(vocabulary)) == {w for w in vocabulary if Levenshtein.distance(term, w) == 1}


def test_ties_go_to_the_commonest_word_beyond_the_first_ten():
    # Eleven words one edit from "cat"; the commonest sorts last.
    frequencies = {f"{letter}at": 1 for letter in "bdefghjklm"} | {"zat": 5}
    assert nearest_term(snapshot_of(frequencies), "text", "cat") == ("zat", 1, -5)
