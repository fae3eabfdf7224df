"""gunicorn warms each worker before its first request (gunicorn.conf.py's post_worker_init)."""

import gc
import logging

import pytest

from newsarchive.warmup import warm_up
from search.engine import backend
from search.indexing import search_backend
from tests.conftest import index_everything
from tests.factories import ArticleFactory


@pytest.fixture(autouse=True)
def unfrozen():
    """warm_up freezes what it built for the worker's life; this test process goes on after it."""
    yield
    gc.unfreeze()


def test_warm_up_keeps_what_it_built_out_of_full_collections(db, search_index):
    ArticleFactory(slug="warm", title="Warm story")
    index_everything()
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    warm_up()
    assert gc.get_freeze_count() > 0


@pytest.mark.archive_engine
def test_warm_up_opens_the_snapshot_and_builds_its_arrays(db, search_index):
    ArticleFactory(slug="warm", title="Warm story", countries=["MX"])
    index_everything()
    search_backend().forget_snapshot()
    warm_up()
    snapshot = backend._snapshots[str(search_index)].current()
    assert snapshot is not None and snapshot.is_current(search_backend().live_generation(create=False))
    assert ("-published_at",) in snapshot._orders
    assert "countries" in snapshot._facets


def test_warm_up_with_an_unusable_index_only_warns(db, tmp_path, settings, caplog):
    """An index that cannot be used (here one from before index generations) is logged; the
    worker still starts and serves what does not need the index."""
    from haystack import connections

    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "_MAIN_1.toc").write_bytes(b"an old index")
    settings.HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "search.engine.backend.ArchiveWhooshEngine", "PATH": str(legacy)}}
    original = connections.connections_info
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    try:
        with caplog.at_level(logging.WARNING, logger="newsarchive.warmup"):
            warm_up()
        assert "Search index not warmed" in caplog.text and "predates index generations" in caplog.text
    finally:
        connections.connections_info = original
        connections.reload("default")
