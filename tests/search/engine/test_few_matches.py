"""A search that matches few documents is answered from lists of them (``few_matches``), not
from arrays the archive's size: the same hits, scores, order, pages, snippets and facets as the
arrays' way, with every kind of filter, sort and facet, over segments with deleted documents."""

import random
from datetime import datetime, timezone

import pytest

from articles.models import LanguageOrigin
from search.engine import backend as engine_backend
from search.indexing import reindex_articles, search_backend
from search.signals import index_updates_paused
from tests.factories import ArticleFactory, OperationFactory, OrganisationFactory

pytestmark = pytest.mark.archive_engine

COMMON = ["police", "cartel", "hackers"]  # in most articles: the arrays' way
RARE = [f"rare{n:02d}" for n in range(30)]  # in one to four articles each: the lists' way
COUNTRIES = ["MX", "US", "ES", "AR", "GB"]


@pytest.fixture
def archive(db, search_index):
    rng = random.Random(11)
    organisations = [OrganisationFactory(name=name) for name in ("Anonymous", "Interpol", "Los Zetas")]
    operation = OperationFactory(name="Operation Cartel")
    articles = []
    with index_updates_paused():
        for n in range(160):
            words = rng.sample(COMMON, rng.randint(1, 3)) + [RARE[n % 30]] * rng.randint(1, 3)
            words += [RARE[(n * 7) % 30]] if n % 5 == 0 else []
            spanish = n % 9 == 0
            articles.append(ArticleFactory(
                slug=f"article-{n}", title=f"{RARE[(n * 3) % 30]} report {n}" if n % 4 == 0 else f"Report {n}",
                body=" ".join(rng.sample(words, len(words))) + (" detenidos en la operación" if spanish else " arrested today"),
                published_at=datetime(2009 + n % 5, 1 + n % 12, 1 + n % 27, tzinfo=timezone.utc),
                language="es" if spanish else "en", language_origin=LanguageOrigin.RECORD,
                countries=rng.sample(COUNTRIES, rng.randint(0, 2)),
                organisations=rng.sample(organisations, rng.randint(0, 2)), operations=[operation] if n % 3 == 0 else [],
            ))  # fmt: skip
    reindex_articles([article.pk for article in articles[:100]])  # two segments
    reindex_articles([article.pk for article in articles[100:]])
    backend = search_backend()
    for article in articles[::17]:  # deleted documents stay in their segments' postings
        backend.remove(f"articles.article.{article.pk}")
    assert 0 < (~backend.snapshot().live).sum() < 20
    return articles


def answer(backend, query_string, **options):
    found = backend.search(query_string, highlight=True, **options)
    results = [(result.pk, round(result.score, 6), result.highlighted) for result in found["results"]]
    return results, found["hits"], found.get("facets")


def test_few_matches_answer_as_the_arrays_do(archive, monkeypatch):
    backend = search_backend()
    taken = []
    searching = [None]
    real = engine_backend.ArchiveWhooshBackend.few_matches

    def counted(self, *args):
        found = real(self, *args)
        taken.append((searching[0], found is not None))
        return found

    monkeypatch.setattr(engine_backend.ArchiveWhooshBackend, "few_matches", counted)
    date_facets = {"published_at": {"start_date": datetime(2008, 1, 1), "end_date": datetime(2015, 1, 1), "gap_by": "year"}}
    queries = [*RARE[:12], "rare03 rare10", "rare05 OR rare07", "rare08 police", "police", "cartel hackers", "detenidos",
               "operación rare00", "zzzunknown", "rare01 -rare02"]  # fmt: skip
    narrows = [[], ["countries:(MX)"], ['countries:("US" OR "ES")', "organisations:(anonymous)"],
               ["published_at:[20100101000000 TO 20111231235959]"], ["countries:(ZZ)"],
               ["countries:(GB)", "organisations:(los-zetas)"]]  # fmt: skip
    options = [{"start_offset": 0, "end_offset": 20}, {"start_offset": 1, "end_offset": 3}, {"start_offset": 0, "end_offset": 0},
               {"sort_by": ["-published_at"], "start_offset": 0, "end_offset": 5}, {"sort_by": ["published_at"], "start_offset": 2, "end_offset": 6}]  # fmt: skip
    compared = 0
    for query_string in queries:
        for narrow in narrows:
            for option in options:
                search = dict(option, narrow_queries=set(narrow), facets=["countries", "organisations", "operations"],
                              date_facets=date_facets, query_facets=[("countries", "MX")])  # fmt: skip
                searching[0] = (query_string, tuple(narrow))
                with_lists = answer(backend, query_string, **search)
                searching[0] = None
                with monkeypatch.context() as arrays_only:
                    arrays_only.setattr(engine_backend, "few_matches", lambda *args, **kwargs: None)
                    with_arrays = answer(backend, query_string, **search)
                assert with_lists == with_arrays, (query_string, narrow, option)
                compared += bool(with_lists[1])
    assert compared > 100
    lists = {search for search, listed in taken if search is not None and listed}
    arrays = {search for search, listed in taken if search is not None and not listed}
    assert ("police", ("countries:(GB)", "organisations:(los-zetas)")) in lists  # a common word within narrow filters
    assert ("rare03", ()) in lists and ("police", ()) in arrays and ("police", ("countries:(MX)",)) in arrays
