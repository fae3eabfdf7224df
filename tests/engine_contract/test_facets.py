"""facet(), date_facet() and query_facet() counts, read off the catalogue table in conftest.py."""

from datetime import date, datetime

import pytest
from haystack.query import SQ, SearchQuerySet

from .conftest import at, index_objects, make_gadget


def field_counts(sqs, name) -> dict:
    return dict(sqs.facet_counts()["fields"][name])


def date_counts(sqs, name) -> dict:
    """{bucket start date: count} for the non-empty buckets, whichever shape the engine gives a
    bucket (Solr and Elasticsearch: its start; Whoosh: (start, end)); out-of-range (None) left out."""
    counts = {}
    for bucket, count in sqs.facet_counts()["dates"][name]:
        if bucket is None or not count:
            continue
        start = bucket[0] if isinstance(bucket, tuple) else bucket
        counts[start.date() if isinstance(start, datetime) else start] = count
    return counts


def test_field_facet_counts_every_value(catalogue):
    """hooli g1 g3, globex g2 g5, initech g4."""
    assert field_counts(SearchQuerySet().facet("maker"), "maker") == {"hooli": 2, "globex": 2, "initech": 1}


def test_field_facet_lists_the_most_frequent_first(catalogue):
    counts = [count for _, count in SearchQuerySet().facet("maker").facet_counts()["fields"]["maker"]]
    assert counts == sorted(counts, reverse=True)


def test_multivalue_facet_counts_each_value(catalogue):
    """faceted=True adds colours_exact; counts come back under "colours".
    red g1 g4, black g1 g2, white g3 g4, steel g5."""
    counts = field_counts(SearchQuerySet().facet("colours"), "colours")
    assert counts == {"red": 2, "black": 2, "white": 2, "steel": 1}


def test_facet_counts_only_the_filtered_results(catalogue):
    """In stock: g1 (hooli), g2 (globex), g4 (initech)."""
    sqs = SearchQuerySet().filter(in_stock=True).facet("maker")
    assert field_counts(sqs, "maker") == {"hooli": 1, "globex": 1, "initech": 1}


def test_facet_counts_only_the_matches_of_a_text_query(catalogue):
    """"solar": g1 (hooli, red black), g2 (globex, black)."""
    sqs = SearchQuerySet().auto_query("solar").facet("maker").facet("colours")
    assert field_counts(sqs, "maker") == {"hooli": 1, "globex": 1}
    assert field_counts(sqs, "colours") == {"red": 1, "black": 2}


def test_facet_counts_only_the_narrowed_results(catalogue):
    """globex: g2 (black), g5 (steel)."""
    sqs = SearchQuerySet().narrow(SQ(maker="globex")).facet("colours")
    assert field_counts(sqs, "colours") == {"black": 1, "steel": 1}


@pytest.mark.stock_limitation("facet fields are analysed as text: values are lowercased, stemmed and split into words")
def test_facet_values_are_kept_whole(engine):
    """A facet value is a value, not words: "Hooli Inc." is one value."""
    index_objects(make_gadget(name="Lamp", maker="Hooli Inc."), make_gadget(name="Torch", maker="Initech Ltd"))
    assert field_counts(SearchQuerySet().facet("maker"), "maker") == {"Hooli Inc.": 1, "Initech Ltd": 1}


def test_date_facet_by_year(catalogue):
    """released: g4 2018, g2 2019, g1 and g5 2020, g3 2021."""
    sqs = SearchQuerySet().date_facet("released", start_date=date(2018, 1, 1), end_date=date(2022, 1, 1), gap_by="year")
    assert date_counts(sqs, "released") == {
        date(2018, 1, 1): 1,
        date(2019, 1, 1): 1,
        date(2020, 1, 1): 2,
        date(2021, 1, 1): 1,
    }


def test_date_facet_with_gap_amount_on_a_datetime_field(catalogue):
    """Quarters of 2021 (gap_by month, gap_amount 3) up to July: g1 and g2 in January-March;
    g3 (2020), g4 (2022) and g5 (2019) are out of range."""
    sqs = SearchQuerySet().date_facet(
        "updated_at", start_date=at(2021, 1, 1), end_date=at(2021, 7, 1), gap_by="month", gap_amount=3
    )
    assert date_counts(sqs, "updated_at") == {date(2021, 1, 1): 2}


def test_date_facet_counts_only_the_filtered_results(catalogue):
    """In stock: g1 2020, g2 2019, g4 2018."""
    sqs = (
        SearchQuerySet()
        .filter(in_stock=True)
        .date_facet("released", start_date=date(2018, 1, 1), end_date=date(2022, 1, 1), gap_by="year")
    )
    assert date_counts(sqs, "released") == {date(2018, 1, 1): 1, date(2019, 1, 1): 1, date(2020, 1, 1): 1}


@pytest.mark.stock_limitation("query facets are ignored with a warning")
def test_query_facet_counts_its_query(catalogue):
    """quantity 5 to 12: g1 (5), g2 (12), g4 (12)."""
    queries = SearchQuerySet().query_facet("quantity", "[5 TO 12]").facet_counts().get("queries", {})
    assert list(queries.values()) == [3]


def test_field_and_date_facets_together(catalogue):
    sqs = (
        SearchQuerySet()
        .facet("maker")
        .date_facet("released", start_date=date(2020, 1, 1), end_date=date(2021, 1, 1), gap_by="year")
    )
    assert field_counts(sqs, "maker") == {"hooli": 2, "globex": 2, "initech": 1}
    assert date_counts(sqs, "released") == {date(2020, 1, 1): 2}
