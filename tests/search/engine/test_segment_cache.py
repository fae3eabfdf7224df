"""What a process keeps of the index's segments stays within its budget in bytes, survives a
commit, and never changes an answer."""

import numpy as np
import pytest

from search.engine import segments
from search.engine.whoosh_internals import segment_id
from search.indexing import reindex_articles, search_backend
from search.signals import index_updates_paused
from tests.factories import ArticleFactory
from tests.search.helpers import search, slugs

pytestmark = pytest.mark.archive_engine

WORDS = [f"word{n:03d}" for n in range(300)]


@pytest.fixture
def budget():
    """Restore the process's budget and start from an empty cache."""
    segments.set_budget(0)
    yield segments.set_budget
    segments.set_budget(search_backend().cache_bytes)


@pytest.fixture
def archive(db, search_index):
    with index_updates_paused():
        articles = [
            ArticleFactory(slug=f"story-{n}", title=f"Story {n}", body=" ".join(WORDS[n::7]) + " common")
            for n in range(40)
        ]
        reindex_articles([article.pk for article in articles])
    return articles


def test_the_cache_never_holds_more_than_its_budget(archive, budget):
    budget(20_000)
    for word in WORDS:
        search(f"q={word}")
        assert segments.held_bytes() <= 20_000
    assert segments.held_bytes() > 0


def test_answers_are_the_same_with_a_tiny_budget_and_a_large_one(archive, budget):
    budget(64 * 2**20)
    large = [(slugs(found), found.total) for found in (search(f"q={word} OR common") for word in WORDS[:40])]
    budget(1)
    tiny = [(slugs(found), found.total) for found in (search(f"q={word} OR common") for word in WORDS[:40])]
    assert tiny == large


def test_a_commit_reads_only_the_new_segments_postings(archive, budget, monkeypatch):
    budget(64 * 2**20)
    assert search("q=common").total == 40
    read = []
    real = segments.read_leaf
    monkeypatch.setattr(segments, "read_leaf", lambda leaf, *args: read.append(segment_id(leaf)) or real(leaf, *args))
    new = ArticleFactory(slug="edited", title="Edited", body="common ground")
    reindex_articles([new.pk])
    assert search("q=common").total == 41
    live = [segment_id(leaf) for leaf, _ in search_backend().snapshot().reader.leaf_readers()]
    assert len(live) > 1 and set(read) <= set(live)
    assert len(set(read)) == 1, "the unchanged segments' postings were read again after a commit"


def test_kept_postings_cannot_be_changed(archive, budget):
    budget(64 * 2**20)
    search("q=common")
    snapshot = search_backend().snapshot()
    docs, freqs = snapshot.postings.term("text", "common")
    with pytest.raises(ValueError):
        docs[0] = 1
    assert np.all(freqs > 0)


def test_size_of_counts_arrays_and_containers():
    array = np.zeros(1000, dtype=np.int64)
    assert segments.size_of(array) >= 8000
    assert segments.size_of({"a": array, "b": array}) >= 16000
    assert segments.size_of(["word"] * 10) > segments.size_of(["word"])
