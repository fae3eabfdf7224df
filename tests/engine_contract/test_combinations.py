"""auto_query, exclude, narrow, filter_or and SQ trees, on the catalogue in conftest.py."""

import pytest
from haystack.inputs import AutoQuery, Exact, Raw
from haystack.query import SQ, SearchQuerySet


def test_sq_or(catalogue):
    """hooli: g1 g3; steel: g5."""
    assert catalogue.key_set(SearchQuerySet().filter(SQ(maker="hooli") | SQ(colours="steel"))) == {"g1", "g3", "g5"}


def test_sq_and_not(catalogue):
    """In stock g1 g2 g4, less the red ones (g1 g4): g2."""
    assert catalogue.keys_of(SearchQuerySet().filter(SQ(in_stock=True) & ~SQ(colours="red"))) == ["g2"]


def test_sq_nested(catalogue):
    """(globex or initech: g2 g4 g5) and (quantity under 10: g1 g3 g5, or white: g3 g4) = g4 g5."""
    query = (SQ(maker="globex") | SQ(maker="initech")) & (SQ(quantity__lt=10) | SQ(colours="white"))
    assert catalogue.key_set(SearchQuerySet().filter(query)) == {"g4", "g5"}


def test_filter_or(catalogue):
    """initech: g4; or quantity 0: g3."""
    sqs = SearchQuerySet().filter(maker="initech").filter_or(quantity=0)
    assert catalogue.key_set(sqs) == {"g3", "g4"}


def test_exclude_alone_keeps_the_rest(catalogue):
    """Everything but hooli's (g1 g3)."""
    assert catalogue.key_set(SearchQuerySet().exclude(maker="hooli")) == {"g2", "g4", "g5"}


def test_exclude_several(catalogue):
    """Not hooli (g1 g3), not steel (g5): g2 g4."""
    assert catalogue.key_set(SearchQuerySet().exclude(maker="hooli").exclude(colours="steel")) == {"g2", "g4"}


def test_narrow_with_a_query_string(catalogue):
    assert catalogue.key_set(SearchQuerySet().narrow('maker:"globex"')) == {"g2", "g5"}


def test_narrow_with_sq(catalogue):
    assert catalogue.key_set(SearchQuerySet().narrow(SQ(maker="globex"))) == {"g2", "g5"}


def test_narrow_and_filter_intersect(catalogue):
    """globex g2 g5; in stock: g2."""
    assert catalogue.keys_of(SearchQuerySet().narrow(SQ(maker="globex")).filter(in_stock=True)) == ["g2"]


def test_narrow_and_text_query_intersect(catalogue):
    """"solar": g1 g2; narrowed to hooli (g1 g3): g1."""
    assert catalogue.keys_of(SearchQuerySet().auto_query("solar").narrow(SQ(maker="hooli"))) == ["g1"]


@pytest.mark.stock_limitation(
    "narrow queries are intersected as Whoosh Results, and an empty intersection is passed to "
    "search() as a filter that Whoosh treats as no filter at all"
)
def test_narrows_with_no_common_gadget_give_nothing(catalogue):
    """hooli (g1 g3) and globex (g2 g5) have no gadget in common."""
    sqs = SearchQuerySet().narrow(SQ(maker="hooli")).narrow(SQ(maker="globex"))
    assert catalogue.keys_of(sqs) == []
    assert sqs.count() == 0


def test_narrow_matching_nothing_gives_nothing(catalogue):
    sqs = SearchQuerySet().narrow(SQ(maker="nobody"))
    assert catalogue.keys_of(sqs) == []
    assert sqs.count() == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("solar", {"g1", "g2"}),
        ("solar -torch", {"g1"}),
        ('"desk lamp"', {"g3"}),
        ('"lamp desk"', set()),
        ("Solar Panel", {"g2"}),  # every word must match, as haystack's default operator is AND
        ("kettle clock", set()),
        ("boil", {"g5"}),  # stemmed: "Boils"
    ],
)
def test_auto_query(catalogue, query, expected):
    assert catalogue.key_set(SearchQuerySet().auto_query(query)) == expected


def test_auto_query_with_filters(catalogue):
    """"solar": g1 g2; of those, under 25: g1."""
    assert catalogue.keys_of(SearchQuerySet().auto_query("solar").filter(price__lt=25)) == ["g1"]


def test_auto_query_on_a_field(catalogue):
    """"lamp" is in g3's name only (the descriptions are not in the name field)."""
    assert catalogue.key_set(SearchQuerySet().auto_query("lamp", fieldname="name")) == {"g3"}


def test_blank_auto_query_matches_everything(catalogue):
    """haystack's test_regression_space_query: auto_query(" ") is a match-all."""
    assert catalogue.key_set(SearchQuerySet().auto_query(" ")) == set(catalogue)


def test_blank_content_filter_matches_nothing(catalogue):
    """haystack's test_regression_space_query: filter(content=" ") matches nothing."""
    assert catalogue.keys_of(SearchQuerySet().filter(content=" ")) == []


def test_input_types(catalogue):
    """AutoQuery, Exact and Raw inputs, as haystack's docs show them."""
    assert catalogue.key_set(SearchQuerySet().filter(content=AutoQuery("solar -charger"))) == {"g2"}
    assert catalogue.key_set(SearchQuerySet().filter(name=Exact("Pocket torch"))) == {"g2"}
    assert catalogue.key_set(SearchQuerySet().filter(content=Raw("solar OR kettle"))) == {"g1", "g2", "g5"}


def test_querysets_combine_with_and_and_or(catalogue):
    """hooli g1 g3 | globex g2 g5; & in stock g1 g2 g4."""
    hooli, globex = SearchQuerySet().filter(maker="hooli"), SearchQuerySet().filter(maker="globex")
    in_stock = SearchQuerySet().filter(in_stock=True)
    assert catalogue.key_set(hooli | globex) == {"g1", "g2", "g3", "g5"}
    assert catalogue.key_set(hooli & in_stock) == {"g1"}


def test_best_match(catalogue):
    """Only g2 has both "solar" and "torch"."""
    assert catalogue.keys_of([SearchQuerySet().auto_query("torch solar").best_match()]) == ["g2"]
