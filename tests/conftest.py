"""Shared fixtures: a real Whoosh index on disk in a temp dir for every test that searches."""

from pathlib import Path

import pytest
from haystack import connections

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture
def search_index(tmp_path, settings):
    """Point haystack at an empty on-disk Whoosh index of this test's own."""
    path = tmp_path / "whoosh_index"
    settings.HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "search.engine.backend.ArchiveWhooshEngine", "PATH": str(path), "INCLUDE_SPELLING": True}
    }
    original = connections.connections_info
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    yield path
    connections.connections_info = original
    connections.reload("default")


def index_everything():
    """Index every article in the database, as ``rebuild_index`` does."""
    from articles.models import Article
    from search.indexing import reindex_articles

    reindex_articles(Article.objects.values_list("pk", flat=True))
