"""An editor's save never rewrites the large segments: only small ones are merged, in bounded work."""

import pytest

from search.engine import merges
from search.engine.whoosh_internals import index_segments
from search.indexing import reindex_articles, search_backend
from tests.factories import ArticleFactory

from .helpers import search

pytestmark = pytest.mark.archive_engine  # the engine's own arrays and segments


def segments(index_path):
    ix = search_backend().snapshot().index
    return [(segment.segment_id(), segment.doc_count_all()) for segment in index_segments(ix)]


def test_small_commits_leave_the_bulk_segment_alone(db, search_index, monkeypatch):
    monkeypatch.setattr(merges, "BULK_WRITE", 5)
    monkeypatch.setattr(merges, "SMALL_SEGMENT", 4)
    monkeypatch.setattr(merges, "SEGMENTS_PER_TIER", 3)
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
    # Seven small commits without merging would leave eight segments; the tiny ones were merged.
    assert len(dict(segments(search_index))) <= 5
    assert search("q=edited").total == 7
    assert search("").total == 12


@pytest.mark.parametrize("count", [1])
def test_a_single_removal_does_not_merge_the_bulk_segment(db, search_index, monkeypatch, count):
    monkeypatch.setattr(merges, "BULK_WRITE", 5)
    articles = [ArticleFactory(slug=f"r-{n}") for n in range(8)]
    from search.signals import index_updates_paused

    with index_updates_paused():
        reindex_articles([article.pk for article in articles])
    [(bulk_id, _)] = segments(search_index)
    search_backend().remove(f"articles.article.{articles[0].pk}")
    assert bulk_id in dict(segments(search_index))
    assert search("").total == 7


def leaf_readers_by_segment():
    snapshot = search_backend().snapshot()
    return {leaf.segment().segment_id(): leaf for leaf, _ in snapshot.reader.leaf_readers()}


@pytest.fixture
def bulk_articles(db, search_index, monkeypatch):
    """Eight articles in one bulk segment, which the snapshot has open."""
    monkeypatch.setattr(merges, "BULK_WRITE", 5)
    from search.signals import index_updates_paused

    articles = [ArticleFactory(slug=f"bulk-{n}", title=f"Bulk story {n}") for n in range(8)]
    with index_updates_paused():
        reindex_articles([article.pk for article in articles])
    assert search("q=bulk").total == 8
    return articles


def test_a_save_reuses_the_readers_of_unchanged_segments(bulk_articles):
    """The first search after an editor's save opens only the new segment."""
    [(bulk_id, bulk_reader)] = leaf_readers_by_segment().items()

    added = ArticleFactory(slug="added", title="Freshly added story")  # indexed on commit: a new segment
    reindex_articles([added.pk])
    assert search("q=freshly").total == 1
    readers = leaf_readers_by_segment()
    assert len(readers) == 2
    assert readers[bulk_id] is bulk_reader, "the unchanged bulk segment was opened again"


def test_a_segment_that_gained_deletions_is_read_with_them(bulk_articles):
    """Whoosh's own reader reuse keeps a segment's old deletions; ours must not bring documents back."""
    articles = bulk_articles
    [(bulk_id, bulk_reader)] = leaf_readers_by_segment().items()

    articles[0].title = "Rewritten headline"
    articles[0].save()
    reindex_articles([articles[0].pk])  # deletes the old copy from the bulk segment
    search_backend().remove(f"articles.article.{articles[1].pk}")
    assert search("q=bulk").total == 6
    assert search("q=rewritten").total == 1
    assert search("").total == 7
    assert leaf_readers_by_segment()[bulk_id] is not bulk_reader
    assert bulk_reader.segment().deleted_count() == 0, "the old snapshot's segment was changed in place"


def test_an_edit_finds_the_old_copy_through_the_open_readers(bulk_articles, monkeypatch):
    """The writer reuses the snapshot's segment readers to delete the old copy of an edited article."""
    from whoosh import reading

    from search.engine import whoosh_internals

    articles = bulk_articles
    opened = []

    def counting(original_init):
        def counting_init(self, storage, schema, segment, *args, **kwargs):
            opened.append(segment.segment_id())
            original_init(self, storage, schema, segment, *args, **kwargs)

        return counting_init

    # Whoosh's own readers (a writer's) and ours (a snapshot's, which read segment files in place).
    for reader_class in (reading.SegmentReader, whoosh_internals.InPlaceSegmentReader):
        monkeypatch.setattr(reader_class, "__init__", counting(reader_class.__init__))
    for round_ in range(2):
        articles[3].title = f"Revised {round_} headline"
        articles[3].save()
        reindex_articles([articles[3].pk])
        assert search(f"q=revised {round_}").total == 1
        assert search("q=bulk").total == 7
        assert search("").total == 8
    assert len(opened) == 2, f"only the two new segments should be opened: {opened}"


def test_small_segments_are_merged_by_tier_off_the_save_path(db, search_index, monkeypatch):
    """A save merges only the tiniest segments; the background merge takes the next tiers, so
    no segment is merged again on every few saves, and the large one is never touched."""
    monkeypatch.setattr(merges, "BULK_WRITE", 20)
    monkeypatch.setattr(merges, "SEGMENTS_PER_TIER", 2)  # tiers: 1 document, 2-3, 4-7, 8-15 ...
    monkeypatch.setattr(merges, "SMALL_SEGMENT", 16)
    from search.signals import index_updates_paused

    bulk = [ArticleFactory(slug=f"bulk-{n}", title=f"Bulk story {n}") for n in range(20)]
    with index_updates_paused():
        reindex_articles([article.pk for article in bulk])
    [(bulk_id, _)] = segments(search_index)
    merged_in_background = []
    for n in range(12):
        before = {segment_id for segment_id, count in segments(search_index) if merges.segment_tier(count) >= 1}
        reindex_articles([ArticleFactory(slug=f"new-{n}", title=f"New story {n}").pk])
        after = dict(segments(search_index))
        assert before <= set(after), "a save merged segments beyond the tiniest tier"
        if search_backend().merge_is_due():
            search_backend().merge_small_segments()
            merged_in_background.append(n)
    assert merged_in_background, "small segments never piled up"
    found = dict(segments(search_index))
    assert found[bulk_id] == 20
    assert len(found) <= 4, found
    assert search("q=new").total == 12
    assert search("").total == 32


@pytest.mark.parametrize("doc_count, tier", [(1, 0), (9, 0), (10, 1), (99, 1), (100, 2), (999, 2)])
def test_segment_tiers_grow_tenfold(doc_count, tier):
    assert merges.segment_tier(doc_count) == tier
