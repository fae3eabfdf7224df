"""An editor's save never rewrites the large segments: only small ones are merged, in bounded work."""

import pytest

from search import backend
from search.indexing import reindex_articles, search_backend
from tests.factories import ArticleFactory

from .helpers import search


def segments(index_path):
    ix = search_backend().index.refresh()
    return [(segment.segment_id(), segment.doc_count_all()) for segment in ix._segments()]


def test_small_commits_leave_the_bulk_segment_alone(db, search_index, monkeypatch):
    monkeypatch.setattr(backend, "BULK_WRITE", 5)
    monkeypatch.setattr(backend, "SMALL_SEGMENT", 4)
    monkeypatch.setattr(backend, "SMALL_SEGMENTS_BEFORE_MERGE", 3)
    articles = [ArticleFactory(slug=f"bulk-{n}", title=f"Bulk story {n}") for n in range(12)]
    from search.signals import index_updates_paused

    with index_updates_paused():
        reindex_articles([article.pk for article in articles])
    [(bulk_id, bulk_count)] = segments(search_index)
    assert bulk_count == 12
    for n in range(7):
        articles[n].title = f"Edited story {n}"
        articles[n].save()
        reindex_articles([articles[n].pk])
        found = dict(segments(search_index))
        assert found[bulk_id] == 12, "the bulk segment was rewritten by a small commit"
    # Seven small commits without merging would leave eight segments; the small ones were merged.
    assert len(dict(segments(search_index))) <= 5
    assert search("q=edited").total == 7
    assert search("").total == 12


@pytest.mark.parametrize("count", [1])
def test_a_single_removal_does_not_merge_the_bulk_segment(db, search_index, monkeypatch, count):
    monkeypatch.setattr(backend, "BULK_WRITE", 5)
    articles = [ArticleFactory(slug=f"r-{n}") for n in range(8)]
    from search.signals import index_updates_paused

    with index_updates_paused():
        reindex_articles([article.pk for article in articles])
    [(bulk_id, _)] = segments(search_index)
    search_backend().remove_identifiers([f"articles.article.{articles[0].pk}"])
    assert bulk_id in dict(segments(search_index))
    assert search("").total == 7


def leaf_readers_by_segment():
    snapshot = search_backend().snapshot()
    return {leaf.segment().segment_id(): leaf for leaf, _ in snapshot.reader.leaf_readers()}


def test_a_save_reuses_the_readers_of_unchanged_segments(db, search_index, monkeypatch):
    """The first search after an editor's save opens only the new segment."""
    monkeypatch.setattr(backend, "BULK_WRITE", 5)
    from search.signals import index_updates_paused

    articles = [ArticleFactory(slug=f"bulk-{n}", title=f"Bulk story {n}") for n in range(8)]
    with index_updates_paused():
        reindex_articles([article.pk for article in articles])
    assert search("q=bulk").total == 8
    [(bulk_id, bulk_reader)] = leaf_readers_by_segment().items()

    added = ArticleFactory(slug="added", title="Freshly added story")  # indexed on commit: a new segment
    reindex_articles([added.pk])
    assert search("q=freshly").total == 1
    readers = leaf_readers_by_segment()
    assert len(readers) == 2
    assert readers[bulk_id] is bulk_reader, "the unchanged bulk segment was opened again"


def test_a_segment_that_gained_deletions_is_read_with_them(db, search_index, monkeypatch):
    """Whoosh's own reader reuse keeps a segment's old deletions; ours must not bring documents back."""
    monkeypatch.setattr(backend, "BULK_WRITE", 5)
    from search.signals import index_updates_paused

    articles = [ArticleFactory(slug=f"bulk-{n}", title=f"Bulk story {n}") for n in range(8)]
    with index_updates_paused():
        reindex_articles([article.pk for article in articles])
    assert search("q=bulk").total == 8
    [(bulk_id, bulk_reader)] = leaf_readers_by_segment().items()

    articles[0].title = "Rewritten headline"
    articles[0].save()
    reindex_articles([articles[0].pk])  # deletes the old copy from the bulk segment
    search_backend().remove_identifiers([f"articles.article.{articles[1].pk}"])
    assert search("q=bulk").total == 6
    assert search("q=rewritten").total == 1
    assert search("").total == 7
    assert leaf_readers_by_segment()[bulk_id] is not bulk_reader
    assert bulk_reader.segment().deleted_count() == 0, "the old snapshot's segment was changed in place"
