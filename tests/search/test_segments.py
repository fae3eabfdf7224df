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
