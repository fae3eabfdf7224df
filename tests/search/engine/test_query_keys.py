"""A search does not compare its query with the queries searched before it.

Whoosh (2.7.5) hashes a compound query by XOR of its parts' hashes, so a word searched in two
fields cancels out and every two-word query hashes alike: a cache keyed by parsed queries held
them all under a handful of hashes, and each search compared its query with most of those
before it (80 ms a search after 8,000 different ones at 100,000 articles, docs/performance.md)."""

import random
from unittest.mock import patch

import pytest
from whoosh.query.compound import CompoundQuery

from search.indexing import reindex_articles, search_backend
from tests.factories import ArticleFactory

pytestmark = pytest.mark.archive_engine

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def test_many_different_searches_compare_no_queries(db, search_index):
    articles = [ArticleFactory(body=f"Police in Veracruz arrested {n} members of the cartel.") for n in range(3)]
    reindex_articles([article.pk for article in articles])
    backend = search_backend()
    rng = random.Random(5)

    def new_query() -> str:
        return " ".join("".join(rng.choice(LETTERS) for _ in range(7)) for _ in range(2))

    for _ in range(300):
        backend.search(new_query(), end_offset=20, highlight=True)
    compared = 0
    original = CompoundQuery.__eq__

    def counted(self, other):
        nonlocal compared
        compared += 1
        return original(self, other)

    with patch.object(CompoundQuery, "__eq__", counted):
        for _ in range(100):
            backend.search(new_query(), end_offset=20, highlight=True)
        backend.search("police cartel", end_offset=20, highlight=True)  # one that matches, too
    # Parsing a new query compares its own parts (Whoosh's normalize): 6 a search here. A cache
    # keyed by the queries made it 323,497 for these 101 searches, after the 300 before them.
    assert compared <= 10 * 101, f"{compared} query comparisons in 101 searches"


def test_marked_terms_are_each_querys_own_and_read_once_per_parse(db, search_index):
    """The terms a page marks are remembered with the query's parse (``marked_terms``), by its
    identity: queries whose hashes collide each get their own terms, and the same query string
    reads its terms once."""
    from search.engine import backend as engine_backend

    articles = [ArticleFactory(title="Cartel news", body="Police in Veracruz arrested members of the cartel.")]
    reindex_articles([article.pk for article in articles])
    backend = search_backend()
    police, cartel = backend.parse("police"), backend.parse("cartel")
    assert hash(police) == hash(cartel)  # the collision: each is an Or of the word in two fields, per language
    read = []
    original = engine_backend.terms_by_field

    def counted(parsed):
        read.append(parsed)
        return original(parsed)

    with patch.object(engine_backend, "terms_by_field", counted):
        police_terms, cartel_terms = backend.marked_terms(police), backend.marked_terms(cartel)
        assert police_terms == original(police) and cartel_terms == original(cartel)
        assert police_terms != cartel_terms
        assert backend.marked_terms(backend.parse("police")) is police_terms
        hits = backend.search("cartel", end_offset=20, highlight=True)["results"]
    assert read == [police, cartel]
    assert "<em>cartel</em>" in hits[0].highlighted["text"][0]
