"""Writing articles to the search index: the one place that turns database rows into index updates.

An update that cannot get the index's write lock in time (an import's merge or a rebuild holds
it) is not dropped: the article ids go into ``PendingIndexUpdate`` and are indexed, as the
database has them then, by ``index_pending`` once the lock is free.
"""

from django.db.models import Q
from django.utils import timezone
from haystack import connections

from articles.models import Article

from .backend import WRITER_LOCK_TIMEOUT
from .models import PendingIndexUpdate


def article_index():
    return connections["default"].get_unified_index().get_index(Article)


def search_backend():
    return connections["default"].get_backend()


def index_identifier(article_id) -> str:
    return f"{Article._meta.label_lower}.{article_id}"


def reindex_articles(article_ids, lock_timeout: float = WRITER_LOCK_TIMEOUT) -> int:
    """Index these articles as the database holds them now, with one writer; drop deleted ones.

    Raises ``whoosh.index.LockError`` if another writer holds the index for ``lock_timeout`` s.
    """
    article_ids = set(article_ids)
    articles = list(Article.objects.with_tags().filter(pk__in=article_ids))
    backend = search_backend()
    if articles:
        backend.update(article_index(), articles, lock_timeout=lock_timeout)
    missing = article_ids - {article.pk for article in articles}
    if missing:
        backend.remove_identifiers([index_identifier(pk) for pk in sorted(missing)], lock_timeout=lock_timeout)
    return len(articles)


def defer_articles(article_ids) -> None:
    """Remember that these articles' index updates are owed; a later queueing refreshes the time."""
    now = timezone.now()
    PendingIndexUpdate.objects.bulk_create(
        [PendingIndexUpdate(article_id=pk, queued_at=now) for pk in set(article_ids)],
        update_conflicts=True, unique_fields=["article_id"], update_fields=["queued_at"],
    )  # fmt: skip


PENDING_CHUNK = 200  # rows per index commit and per delete (SQLite limits an expression's depth)


def index_pending(lock_timeout: float = WRITER_LOCK_TIMEOUT) -> int:
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
