"""Writing articles to the search index: the one place that turns database rows into index updates.

It speaks haystack's public API (``update``, ``remove``), so it works on any engine. On ours, a
write can be told how long to wait for another writer (``IndexBusy`` after that); an update that
cannot get the index in time, or fails on any engine, is not dropped: the article ids go into
``PendingIndexUpdate`` and are indexed, as the database has them then, by ``index_pending``.
"""

from contextlib import contextmanager, nullcontext

from django.db.models import Q
from django.utils import timezone
from haystack import connections

from articles.models import Article

from .engine.interface import maintenance_of
from .models import PendingIndexUpdate


def article_index():
    return connections["default"].get_unified_index().get_index(Article)


def search_backend():
    return connections["default"].get_backend()


def search_maintenance():
    """Our engine's extra abilities, or None on an engine with only haystack's contract."""
    return maintenance_of(search_backend())


def waiting_at_most(seconds: float | None):
    """Index writes in this block wait at most ``seconds`` for another writer, where the engine can say so."""
    maintenance = search_maintenance()
    return maintenance.lock_wait(seconds) if maintenance and seconds is not None else nullcontext()


def index_identifier(article_id) -> str:
    return f"{Article._meta.label_lower}.{article_id}"


def reindex_articles(article_ids, lock_timeout: float | None = None) -> int:
    """Index these articles as the database holds them now; drop deleted ones from the index.

    On our engine, raises ``IndexBusy`` if another writer holds the index for ``lock_timeout`` s.
    """
    article_ids = set(article_ids)
    articles = list(Article.objects.for_indexing().filter(pk__in=article_ids))
    backend = search_backend()
    with waiting_at_most(lock_timeout):
        if articles:
            backend.update(article_index(), articles)
        for pk in sorted(article_ids - {article.pk for article in articles}):
            backend.remove(index_identifier(pk))
    return len(articles)


def article_id_of(identifier: str) -> int:
    return int(identifier.rsplit(".", 1)[1])


@contextmanager
def bulk_reindexing():
    """For an import: yields ``index(article_ids)``, which does what ``reindex_articles`` does.

    On our engine the documents are written by processes beside the live index and added to it in
    chunks, each by a short commit (engine/bulk_writing.py), so an editor's save does not wait for
    the import. Articles whose chunk is not added when the import stops (an error, Ctrl-C) are
    recorded as owed. On any other engine, each call is ``reindex_articles``.
    """
    def owe(identifiers) -> None:
        defer_articles([article_id_of(identifier) for identifier in identifiers])

    maintenance = search_maintenance()
    writer = maintenance.bulk_writer(owe) if maintenance else None
    if writer is None:
        yield reindex_articles
        return

    def index(article_ids) -> None:
        article_ids = set(article_ids)
        articles = list(Article.objects.for_indexing().filter(pk__in=article_ids))
        backend = search_backend()
        writer.add(backend.prepare_documents(article_index(), articles))
        if gone := article_ids - {article.pk for article in articles}:
            reindex_articles(gone)  # deleted meanwhile: removed from the index

    try:
        yield index
        writer.finish()
    except BaseException:
        owed = writer.pending_identifiers()
        writer.cancel()
        if owed:
            owe(owed)
        raise


def defer_articles(article_ids) -> None:
    """Remember that these articles' index updates are owed; a later queueing refreshes the time."""
    now = timezone.now()
    PendingIndexUpdate.objects.bulk_create(
        [PendingIndexUpdate(article_id=pk, queued_at=now) for pk in set(article_ids)],
        update_conflicts=True, unique_fields=["article_id"], update_fields=["queued_at"],
    )  # fmt: skip


PENDING_CHUNK = 200  # rows per index commit and per delete (SQLite limits an expression's depth)


def index_pending(lock_timeout: float | None = None) -> int:
    """Index every owed article; returns how many were owed.

    A row is deleted only if it was not queued again while its article was being indexed: that
    newer edit may not be in the index yet.
    """
    owed = list(PendingIndexUpdate.objects.values_list("article_id", "queued_at"))
    for start in range(0, len(owed), PENDING_CHUNK):
        chunk = owed[start : start + PENDING_CHUNK]
        reindex_articles([pk for pk, _ in chunk], lock_timeout=lock_timeout)
        done = Q()
        for pk, queued_at in chunk:
            done |= Q(article_id=pk, queued_at=queued_at)
        PendingIndexUpdate.objects.filter(done).delete()
    return len(owed)
