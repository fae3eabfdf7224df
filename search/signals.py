"""Keeps the search index in step with the database.

Every write that changes what an article looks like in the index queues that article: saving or
deleting it, adding or removing a tag (the admin saves tag links after the article's own
post_save, so haystack's RealtimeSignalProcessor alone would miss them), and renaming or deleting
an entity. Queued articles are re-read and re-indexed once, with one writer, after the
transaction commits; a rolled-back transaction indexes nothing.
"""

import logging
import threading
import time
from contextlib import contextmanager

from django.db import transaction
from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from articles.models import Article
from articles.tag_kinds import TAG_KINDS

from .facets import forget_labels

log = logging.getLogger(__name__)
_state = threading.local()


def pending_article_ids() -> set:
    if not hasattr(_state, "pending"):
        _state.pending = set()
    return _state.pending


def updates_paused() -> bool:
    return getattr(_state, "paused", False)


@contextmanager
def index_updates_paused():
    """Turn per-save index updates off, for bulk writers that index in batches themselves."""
    previous = updates_paused()
    _state.paused = True
    try:
        yield
    finally:
        _state.paused = previous


def queue_articles(article_ids, using="default"):
    if updates_paused():
        return
    pending = pending_article_ids()
    pending.update(article_ids)
    transaction.on_commit(flush_pending_articles, using=using)


def flush_pending_articles():
    """Index the queued articles as they are now in the database; remove the ones deleted."""
    pending = pending_article_ids()
    if not pending:
        return
    article_ids = sorted(pending)
    pending.clear()
    index_articles(article_ids)


EDITOR_LOCK_WAIT = 5.0  # seconds an editor's save waits for another writer before deferring
CATCH_UP_LOCK_WAIT = 30.0
CATCH_UP_GIVE_UP = 6 * 3600.0  # then check_index --repair or the next writer's catch-up indexes it


def index_articles(article_ids):
    """Index after the commit; a failure is logged, never shown to the editor whose save stands.

    If another writer holds the index (an import's merge can take minutes at 100,000 articles),
    the save does not wait for it: the update is recorded as owed and indexed by a thread of this
    process once the lock is free. Owed updates left by any process are indexed after the next
    save that gets the lock; ``check_index --repair`` indexes them too.
    """
    from .engine.interface import IndexBusy
    from .indexing import defer_articles, index_pending, reindex_articles, search_maintenance

    try:
        reindex_articles(article_ids, lock_timeout=EDITOR_LOCK_WAIT)
    except IndexBusy:
        log.warning("The search index is busy; articles %s will be indexed when it is free", article_ids)
        if defer(article_ids, defer_articles):
            start_catch_up()
        return
    except Exception:
        log.exception("Could not index articles %s; the database has them, the index owes them", article_ids)
        if defer(article_ids, defer_articles):
            start_catch_up()
        return
    try:
        index_pending(lock_timeout=EDITOR_LOCK_WAIT)
        maintenance = search_maintenance()
        if maintenance and maintenance.merge_is_due():
            start_catch_up()
    except Exception:
        log.exception("Could not index the owed articles; they stay owed")


def defer(article_ids, defer_articles) -> bool:
    try:
        defer_articles(article_ids)
        return True
    except Exception:
        log.exception("Could not record articles %s as owed; check_index --repair will find them", article_ids)
        return False


_catch_up_lock = threading.Lock()
_catch_up_thread = None


def start_catch_up() -> threading.Thread:
    """One background thread per process that indexes owed articles once the lock is free, then
    merges the small segments that saves left behind, so that no editor waits for a merge."""
    global _catch_up_thread
    with _catch_up_lock:
        if _catch_up_thread is None or not _catch_up_thread.is_alive():
            _catch_up_thread = threading.Thread(target=catch_up, name="index-catch-up", daemon=True)
            _catch_up_thread.start()
        return _catch_up_thread


def finish_catch_up(timeout: float) -> bool:
    """Give a running catch-up thread up to ``timeout`` s to finish (gunicorn's ``worker_exit``);
    True if nothing is left running. Whatever it could not index stays owed in the database."""
    thread = _catch_up_thread
    if thread is not None and thread.is_alive():
        thread.join(timeout)
        return not thread.is_alive()
    return True


def catch_up(give_up_after: float = CATCH_UP_GIVE_UP):
    from contextlib import nullcontext

    from django.db import connection

    from .engine.interface import IndexBusy
    from .indexing import index_pending, search_maintenance

    deadline = time.monotonic() + give_up_after
    maintenance = search_maintenance()
    try:
        with maintenance.writes_open_their_own_readers() if maintenance else nullcontext():
            while time.monotonic() < deadline:
                try:
                    if not index_pending(lock_timeout=CATCH_UP_LOCK_WAIT):
                        # Nothing more is owed (one queued meanwhile is taken on the next pass).
                        if maintenance and maintenance.merge_is_due():
                            with maintenance.lock_wait(CATCH_UP_LOCK_WAIT):
                                maintenance.merge_small_segments()
                        return
                except IndexBusy:
                    continue
                except Exception:
                    log.exception("Could not index the owed articles; retrying")
                    time.sleep(CATCH_UP_LOCK_WAIT)
            log.error("Owed index updates still not written after %.0f s; run check_index --repair", give_up_after)
    finally:
        connection.close()


class ArticleSignalProcessor(BaseSignalProcessor):
    def receivers(self):
        """Every (signal, handler, sender) this processor listens to, for setup and teardown alike."""
        pairs = [(signals.post_save, self.handle_article, Article), (signals.post_delete, self.handle_article, Article)]
        for link in (kind.through for kind in TAG_KINDS):
            pairs += [(signals.post_save, self.handle_tag_link, link), (signals.post_delete, self.handle_tag_link, link)]
        for field in (kind.field for kind in TAG_KINDS):
            pairs.append((signals.m2m_changed, self.handle_m2m, getattr(Article, field).through))
        pairs += [(signals.post_save, self.handle_entity, kind.model) for kind in TAG_KINDS]
        return pairs

    def setup(self):
        for signal, handler, sender in self.receivers():
            signal.connect(handler, sender=sender)

    def teardown(self):
        for signal, handler, sender in self.receivers():
            signal.disconnect(handler, sender=sender)

    def handle_article(self, sender, instance, using=None, **kwargs):
        queue_articles([instance.pk], using=using or "default")

    def handle_tag_link(self, sender, instance, using=None, **kwargs):
        queue_articles([instance.article_id], using=using or "default")

    def handle_m2m(self, sender, instance, action, reverse, pk_set, using=None, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
            return
        if not reverse:
            queue_articles([instance.pk], using=using or "default")
        elif action == "pre_clear":
            # After a reverse clear the links are gone and cannot tell which articles had them.
            queue_articles(getattr(instance, "articles").values_list("pk", flat=True), using=using or "default")
        elif pk_set:
            queue_articles(pk_set, using=using or "default")

    def handle_entity(self, sender, instance, created, using=None, **kwargs):
        forget_labels()
        if not created:
            queue_articles(instance.articles.values_list("pk", flat=True), using=using or "default")
