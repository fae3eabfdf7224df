"""The memos of words' index terms and of document frequencies stay within their share of the
cache budget in bytes, count their bytes at least as tracemalloc does, and answer as a fresh
computation does."""

import gc
import random
import string
import tracemalloc

import pytest

from search.engine import segments
from search.engine.backend import TERM_OF
from search.engine.languages import ANALYZERS, DEFAULT
from search.engine.memo import BoundedMemo


@pytest.fixture
def budget():
    """A budget for the test, the process's own afterwards."""
    before = segments.budget_bytes()
    yield segments.set_budget
    segments.set_budget(before)


def fresh_words(count: int, seed: int = 3):
    """Words of 3 to 14 letters (a few accented), each a new string object."""
    rng = random.Random(seed)
    letters = string.ascii_lowercase + "áéíóúñ"
    for n in range(count):
        yield "".join(rng.choices(letters, k=rng.randint(3, 14))) + str(n)


def test_a_memo_never_holds_more_than_its_share(budget):
    budget(400_000)
    memo = BoundedMemo(str.upper, segments.WORDS, 0.5)
    assert memo.limit() == int(400_000 * segments.SHARES[segments.WORDS] * 0.5)
    for word in fresh_words(20_000):
        assert memo(word) == word.upper()
        assert memo.held_bytes() <= memo.limit()
    assert 0 < len(memo) < 20_000


def test_the_counted_bytes_are_at_least_what_the_memo_allocates(budget):
    """tracemalloc sees every allocation the memo makes for its keys, values and table; the count
    the bound is kept by must not be less (else a worker could hold more than its setting)."""
    budget(2**34)
    for count in (1_000, 10_000, 60_000):
        gc.collect()
        tracemalloc.start()
        memo = BoundedMemo(str.upper, segments.WORDS)
        for word in fresh_words(count):  # the memo holds the only reference to each word
            memo(word)
        allocated, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(memo) == count
        assert allocated <= memo.held_bytes(), f"{count} words: {allocated} bytes allocated, {memo.held_bytes()} counted"
        assert memo.held_bytes() < 1.6 * allocated, "the count is far above what is allocated: the bound wastes its room"


def test_a_full_memo_starts_again_and_answers_the_same(budget):
    budget(50_000)
    term_of = TERM_OF[DEFAULT]
    words = ["running", "Hackers", "the", "arrests", "policía", "cartels"] * 3 + list(fresh_words(3_000))
    answers = [term_of(word) for word in words]
    assert term_of.held_bytes() <= term_of.limit()
    fresh = [[token.text for token in ANALYZERS[DEFAULT](word)] for word in words]
    assert answers == [tokens[0] if len(tokens) == 1 else None for tokens in fresh]
    assert answers[2] is None and None not in answers[3:6]  # "the" is a stop word
    assert answers[6:12] == answers[:6] == answers[12:18]
