"""Shared fixtures: a real Whoosh index on disk in a temp dir for every test that searches."""

import os
from pathlib import Path

import pytest
from haystack import connections

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


# The engine the site's tests run on: ours, or haystack's stock Whoosh engine (``make test`` runs
# the search, indexing and page tests on both; SEARCH_ENGINE_UNDER_TEST=stock selects it).
ENGINES = {
    "archive": "search.engine.backend.ArchiveWhooshEngine",
    "stock": "haystack.backends.whoosh_backend.WhooshEngine",
}
SEARCH_URL_SCHEMES = {"archive": "whoosh", "stock": "haystack+whoosh"}
ENGINE_UNDER_TEST = os.environ.get("SEARCH_ENGINE_UNDER_TEST", "archive")
archive_engine_only = pytest.mark.skipif(
    ENGINE_UNDER_TEST != "archive", reason="tests what only the archive engine offers (IndexMaintenance, its internals)"
)


# How a matched word is marked in snippets: the site asks for <mark>; stock Whoosh marks with <em>.
MARK = ("<mark>", "</mark>") if ENGINE_UNDER_TEST == "archive" else ("<em>", "</em>")


def marked(word: str) -> str:
    return f"{MARK[0]}{word}{MARK[1]}"


def pytest_collection_modifyitems(config, items):
    if ENGINE_UNDER_TEST != "archive":
        for item in items:
            if item.get_closest_marker("archive_engine"):
                item.add_marker(archive_engine_only)


@pytest.fixture(autouse=True)
def entity_names_asked_afresh():
    """Each test's database starts over by a rollback, which no signal reports: the process asks
    for the entities' names again rather than trust the last test's answer for up to a second."""
    from search.entity_names import forget

    forget()


@pytest.fixture
def search_index(tmp_path, settings):
    """Point haystack at an empty on-disk Whoosh index of this test's own, on the engine under test."""
    from newsarchive.settings import haystack_connection

    path = tmp_path / "whoosh_index"
    connection = haystack_connection(f"{SEARCH_URL_SCHEMES[ENGINE_UNDER_TEST]}://{path}")  # as SEARCH_URL configures it
    assert connection["ENGINE"] == ENGINES[ENGINE_UNDER_TEST]
    settings.HAYSTACK_CONNECTIONS = {"default": connection}
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
