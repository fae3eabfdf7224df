"""Loading, before a worker's first request, what that request would otherwise wait for."""

import gc
import logging
import time

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Import every URLconf (the admin's included), load the entity matcher and its gazetteer
    (unless ``settings.WARM_UP_ENTITY_MATCHER`` is off), open the search snapshot with its arrays,
    read the words a spelling suggestion is chosen from and, where the engine has a ``warm_up``
    (ours: the words of the latest articles' snippets), what it reads ahead. A failure is logged:
    the worker still serves.

    At 100,000 articles a cold worker's first admin save took 1.4-2.0 s (1.45 s building the
    matcher, 0.4 s the dateline gazetteer, then opening every index segment); gunicorn calls this
    from ``post_worker_init`` instead, before the worker accepts requests.

    The matcher and gazetteer are loaded from the extraction store (articles/extraction/stored.py),
    not built: about 17 MB of a worker's PSS and 0.2-0.4 s, where building them here took 120 MB and
    2-5 s (docs/memory.md). If the store lacks them (a new release, a new catalogue), a child
    process builds them first and this worker waits. With ``WARM_UP_ENTITY_MATCHER`` off, a
    worker that only answers searches never loads them, and the first save a worker handles
    loads them.
    """
    from django.conf import settings
    from django.http import QueryDict
    from django.urls import get_resolver
    from django.utils import translation
    from haystack import connections

    from search.engine.interface import SearchUnavailable
    from articles.models import Article
    from search.forms import SearchForm
    from search.related import related_articles
    from search.service import run_search

    started = time.perf_counter()
    try:
        get_resolver().url_patterns
        if settings.WARM_UP_ENTITY_MATCHER:
            from articles.tagging import entity_matcher

            entity_matcher()  # with the gazetteer it reads, the dateline places among them
    except Exception:
        log.exception("Worker not warmed up")
        return
    try:
        run_search(SearchForm(QueryDict("")).search_params())  # live documents, facets, date order
        for code, _ in settings.LANGUAGES:  # each language's catalogue, and the names of languages in it
            with translation.override(code):
                run_search(SearchForm(QueryDict("")).search_params())
        # A word no article has: the engine's spelling words (0.8 s at 100,000 articles).
        run_search(SearchForm(QueryDict("q=qzxwarmupqzx")).search_params())
        newest = Article.objects.order_by("-published_at", "-id").first()
        if newest is not None:
            related_articles(newest)  # document frequencies and word lists of every segment
        engine_warm_up = getattr(connections["default"].get_backend(), "warm_up", None)
        if engine_warm_up is not None:  # what else our engine reads ahead (haystack's have none)
            engine_warm_up()
    except SearchUnavailable as error:
        log.warning("Search index not warmed: %s", error)
    except Exception:
        log.exception("Search index not warmed")
    # What the warm-up built lives as long as the worker: keep it out of the garbage collector's
    # full collections, which otherwise walk it all (126,000 objects, 40-100 ms a collection at
    # 10,000 articles) in the middle of some request. Reference counting still frees it.
    gc.collect()
    gc.freeze()
    log.info("Worker warmed up in %.0f ms", (time.perf_counter() - started) * 1000)
