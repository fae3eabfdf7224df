"""An editor's save while another writer holds the index is not lost and does not hang the request:
the update is recorded as owed and indexed as soon as the index is free."""

import pytest
from django.core.management import CommandError, call_command

from search import signals
from search.indexing import index_pending, search_backend
from search.models import PendingIndexUpdate
from tests.admin_forms import admin_form_data
from tests.conftest import index_everything
from tests.factories import ArticleFactory

from .helpers import search

# A busy index is one whose write lock another writer holds: a lock wait is the archive engine's.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.archive_engine]


@pytest.fixture
def busy_index(search_index, monkeypatch):
    """The index's write lock, held as an import's merge would hold it; ``release()`` frees it."""
    ArticleFactory(slug="first", title="First story")
    index_everything()
    monkeypatch.setattr(signals, "EDITOR_LOCK_WAIT", 0.05)
    monkeypatch.setattr(signals, "CATCH_UP_LOCK_WAIT", 0.05)
    lock = search_backend().snapshot().index.lock("WRITELOCK")
    assert lock.acquire()
    yield lock
    if lock.fd is not None:  # not released by the test
        lock.release()


def edit_title(client, article, title):
    url = f"/admin/articles/article/{article.pk}/change/"
    data = admin_form_data(client.get(url))
    data["title"] = title
    return client.post(url, data)


def test_a_save_while_the_index_is_busy_is_owed_then_indexed_by_the_next_save(editor_client, busy_index, monkeypatch):
    monkeypatch.setattr(signals, "start_catch_up", lambda: None)  # this test checks the next save's catch-up
    article = ArticleFactory(slug="edited", title="Original headline")  # saved while busy: owed
    response = edit_title(editor_client, article, "Corrected headline")
    assert response.status_code == 302
    assert set(PendingIndexUpdate.objects.values_list("article_id", flat=True)) == {article.pk}
    assert search("q=corrected").total == 0

    busy_index.release()
    other = ArticleFactory(slug="later", title="A later story")
    assert search("q=corrected").total == 1
    assert search("q=original").total == 0
    assert search("q=later").total == 1
    assert not PendingIndexUpdate.objects.exists()
    assert other.pk not in PendingIndexUpdate.objects.values_list("article_id", flat=True)


def test_the_catch_up_thread_indexes_owed_updates_once_the_index_is_free(editor_client, busy_index):
    article = ArticleFactory(slug="edited", title="Original headline")
    assert edit_title(editor_client, article, "Corrected headline").status_code == 302
    thread = signals.start_catch_up()  # already running since the first owed save; this returns it
    assert thread.is_alive()
    busy_index.release()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert not PendingIndexUpdate.objects.exists()
    assert search("q=corrected").total == 1


def test_a_deleted_article_that_is_owed_leaves_the_index(busy_index, monkeypatch):
    monkeypatch.setattr(signals, "start_catch_up", lambda: None)
    first = search("q=first").hits[0]
    from articles.models import Article

    Article.objects.get(slug=first.slug).delete()
    assert PendingIndexUpdate.objects.count() == 1
    busy_index.release()
    assert index_pending() == 1
    assert search("q=first").total == 0


def test_an_update_queued_again_while_indexing_stays_owed(search_index, monkeypatch):
    """The row is the promise for the newest edit: indexing an older one must not delete it."""
    from search import indexing

    article = ArticleFactory(slug="racing", title="Racing edits")
    indexing.defer_articles([article.pk])
    original = indexing.reindex_articles

    def reindex_while_an_editor_saves(ids, **kwargs):
        indexed = original(ids, **kwargs)
        indexing.defer_articles([article.pk])  # an edit committed and found the index busy meanwhile
        return indexed

    monkeypatch.setattr(indexing, "reindex_articles", reindex_while_an_editor_saves)
    assert index_pending() == 1
    assert list(PendingIndexUpdate.objects.values_list("article_id", flat=True)) == [article.pk]


def test_check_index_reports_and_repair_indexes_owed_updates(busy_index, monkeypatch, capsys, client):
    monkeypatch.setattr(signals, "start_catch_up", lambda: None)
    ArticleFactory(slug="owed", title="Owed story")
    assert client.get("/healthz").json()["owed_index_updates"] == 1
    busy_index.release()
    with pytest.raises(CommandError):
        call_command("check_index")
    assert "1 article updates are owed" in capsys.readouterr().out
    call_command("check_index", "--repair")
    assert "Indexed 1 owed article updates." in capsys.readouterr().out
    assert search("q=owed").total == 1
    assert client.get("/healthz").json()["owed_index_updates"] == 0


def test_piled_up_small_segments_are_merged_by_the_catch_up_thread(search_index, monkeypatch):
    from search.engine import merges
    from search.engine.whoosh_internals import index_segments

    monkeypatch.setattr(merges, "SEGMENTS_PER_TIER", 2)
    monkeypatch.setattr(signals, "_catch_up_thread", None)
    for n in range(6):
        ArticleFactory(slug=f"saved-{n}", title=f"Saved story {n}")  # one save, one commit each
        if (thread := signals._catch_up_thread) is not None:
            thread.join(timeout=30)
    assert thread is not None, "the saves never started a background merge"
    assert not search_backend().merge_is_due()
    assert len(index_segments(search_backend().snapshot().index)) <= 3
    assert search("q=saved").total == 6


def test_a_stopping_worker_lets_the_catch_up_finish(busy_index, monkeypatch):
    """gunicorn's worker_exit hook waits for the catch-up thread; what is still owed stays owed."""
    monkeypatch.setattr(signals, "_catch_up_thread", None)
    ArticleFactory(slug="late", title="Late story")
    assert not signals.finish_catch_up(timeout=0.2), "the thread should still be waiting for the lock"
    assert PendingIndexUpdate.objects.count() == 1
    busy_index.release()
    assert signals.finish_catch_up(timeout=30)
    assert not PendingIndexUpdate.objects.exists()
    assert search("q=late").total == 1
