"""models() narrows a search to some models, and two SearchIndexes in one index do not leak
into each other: the archive's Articles and the contract app's Gadgets."""

import pytest
from haystack.query import SearchQuerySet

from articles.models import Article
from search.search_indexes import ArticleIndex
from tests.contract_app.models import Gadget
from tests.contract_app.search_indexes import GadgetIndex

from .conftest import at, index_objects, make_article, make_gadget

GADGET_ONLY_FIELDS = set(GadgetIndex.fields) - set(ArticleIndex.fields)
ARTICLE_ONLY_FIELDS = set(ArticleIndex.fields) - set(GadgetIndex.fields)


@pytest.fixture
def both(engine):
    """Every document has the word "solar":

    | doc     | title / name      | quantity | maker  | published_at |
    |---------|-------------------|----------|--------|--------------|
    | lamp    | Solar lamp        | 3        | hooli  |              |
    | torch   | Solar torch       | 8        | globex |              |
    | farms   | Solar farms grow  |          |        | 2011-05-01   |
    | tariffs | Solar tariffs cut |          |        | 2012-09-01   |
    """
    docs = {
        "lamp": make_gadget(name="Solar lamp", quantity=3, maker="hooli"),
        "torch": make_gadget(name="Solar torch", quantity=8, maker="globex"),
        "farms": make_article("Solar farms grow", "Fields of panels.", published_at=at(2011, 5, 1)),
        "tariffs": make_article("Solar tariffs cut", "Feed-in payments fall.", published_at=at(2012, 9, 1)),
    }
    index_objects(*docs.values())
    return docs


def names(docs, results) -> list[str]:
    by_identity = {(type(obj), str(obj.pk)): key for key, obj in docs.items()}
    return [by_identity[(result.model, str(result.pk))] for result in results]


def test_models_gadget_finds_only_gadgets(both):
    sqs = SearchQuerySet().models(Gadget)
    assert sorted(names(both, sqs)) == ["lamp", "torch"]
    assert sqs.count() == 2


def test_models_article_finds_only_articles(both):
    sqs = SearchQuerySet().models(Article)
    assert sorted(names(both, sqs)) == ["farms", "tariffs"]
    assert sqs.count() == 2


def test_models_of_both_finds_both(both):
    assert sorted(names(both, SearchQuerySet().models(Gadget, Article))) == ["farms", "lamp", "tariffs", "torch"]


def test_all_finds_every_model(both):
    sqs = SearchQuerySet().all()
    assert sorted(names(both, sqs)) == ["farms", "lamp", "tariffs", "torch"]
    assert sqs.count() == 4


def test_text_query_with_models(both):
    assert sorted(names(both, SearchQuerySet().auto_query("solar").models(Gadget))) == ["lamp", "torch"]
    assert sorted(names(both, SearchQuerySet().auto_query("solar").models(Article))) == ["farms", "tariffs"]


def test_models_with_a_filter(both):
    assert names(both, SearchQuerySet().models(Article).filter(content="tariffs")) == ["tariffs"]
    assert names(both, SearchQuerySet().models(Gadget).filter(content="tariffs")) == []


def test_models_with_order_by(both):
    assert names(both, SearchQuerySet().models(Article).order_by("-published_at")) == ["tariffs", "farms"]
    assert names(both, SearchQuerySet().models(Article).order_by("published_at")) == ["farms", "tariffs"]


def test_models_with_a_facet(both):
    counts = SearchQuerySet().models(Gadget).facet("maker").facet_counts()["fields"]["maker"]
    assert dict(counts) == {"hooli": 1, "globex": 1}


def test_results_carry_only_their_own_index_fields(both):
    """A Gadget result has no Article field and an Article result no Gadget field."""
    for result in SearchQuerySet().auto_query("solar"):
        fields = set(result.get_additional_fields())
        if result.model is Gadget:
            assert not fields & ARTICLE_ONLY_FIELDS
            assert result.name.startswith("Solar")
        else:
            assert not fields & GADGET_ONLY_FIELDS
            assert result.title.startswith("Solar")


def test_filter_on_a_gadget_field_matches_no_article(both):
    assert sorted(names(both, SearchQuerySet().filter(quantity__gte=0))) == ["lamp", "torch"]


def test_filter_on_an_article_field_matches_no_gadget(both):
    assert names(both, SearchQuerySet().filter(year="2011")) == ["farms"]
    assert sorted(names(both, SearchQuerySet().filter(published_at__gte=at(2000, 1, 1)))) == ["farms", "tariffs"]


def test_exclude_on_a_gadget_field_keeps_the_articles(both):
    """Not hooli's: the torch, and the articles, which have no maker at all."""
    found = names(both, SearchQuerySet().auto_query("solar").exclude(maker="hooli"))
    assert sorted(found) == ["farms", "tariffs", "torch"]


def test_a_facet_of_a_gadget_field_counts_no_article(both):
    """No article turns up as a maker. Documents without the field may be counted under None
    (haystack's Whoosh backend does so on purpose; Solr leaves them out): either is allowed."""
    counts = SearchQuerySet().auto_query("solar").facet("maker").facet_counts()["fields"]["maker"]
    assert {value: count for value, count in counts if value is not None} == {"hooli": 1, "globex": 1}


def test_load_all_loads_each_model(both):
    objects = {result.object for result in SearchQuerySet().auto_query("solar").load_all()}
    assert objects == set(both.values())
