"""filter() with every lookup haystack documents, on char, integer, float, bool, date, datetime
and multi-valued fields. Expected gadgets are read off the catalogue table in conftest.py."""

from datetime import date, datetime, timedelta, timezone

import pytest
from haystack.query import SearchQuerySet

from .conftest import at, index_objects, make_gadget

EXCLUSIVE_DATE_RANGE = (
    "Whoosh's DATETIME field parses an exclusive range {a to} as inclusive, so gt and lt "
    "on dates and datetimes behave as gte and lte"
)


def case(lookup, expected, stock_limitation=None):
    marks = [pytest.mark.stock_limitation(stock_limitation)] if stock_limitation else []
    ident = ",".join(f"{key}={value!r}" for key, value in lookup.items())
    return pytest.param(lookup, expected, id=ident, marks=marks)


LOOKUPS = [
    # content: the words of the document field
    case({"content": "solar"}, {"g1", "g2"}),
    case({"content": "lamp"}, {"g3"}),
    case({"content": "solar panel"}, {"g2"}),
    # char field: a word, exact (a phrase), contains, startswith, endswith, in
    case({"name": "torch"}, {"g2"}),
    case({"name__exact": "Desk lamp"}, {"g3"}),
    case({"name__exact": "lamp desk"}, set()),
    case({"name__contains": "orc"}, {"g2"}),
    case({"name__startswith": "lam"}, {"g3"}),
    case({"name__endswith": "orch"}, {"g2"}),
    case({"name__in": ["Kettle", "Desk lamp"]}, {"g3", "g5"}),
    case({"name__fuzzy": "lampz"}, {"g3"}),  # one edit from "lamp"; stemming cannot rescue it
    case({"content__fuzzy": "torcj"}, {"g2"}),
    # facet char field
    case({"maker": "hooli"}, {"g1", "g3"}),
    case({"maker__exact": "initech"}, {"g4"}),
    case({"maker__in": ["hooli", "initech"]}, {"g1", "g3", "g4"}),
    # integer: 5, 12, 0, 12, 3
    case({"quantity": 12}, {"g2", "g4"}),
    case({"quantity__exact": 0}, {"g3"}),
    case({"quantity__gt": 5}, {"g2", "g4"}),
    case({"quantity__gte": 5}, {"g1", "g2", "g4"}),
    case({"quantity__lt": 5}, {"g3", "g5"}),
    case({"quantity__lte": 5}, {"g1", "g3", "g5"}),
    case({"quantity__in": [0, 12]}, {"g2", "g3", "g4"}),
    case({"quantity__range": (3, 5)}, {"g1", "g5"}),
    # float: 19.99, 29.5, 35.0, 24.0, 24.0
    case({"price": 24.0}, {"g4", "g5"}),
    case({"price__gt": 24.0}, {"g2", "g3"}),
    case({"price__gte": 24.0}, {"g2", "g3", "g4", "g5"}),
    case({"price__lt": 24.0}, {"g1"}),
    case({"price__lte": 24.0}, {"g1", "g4", "g5"}),
    case({"price__in": [19.99, 35.0]}, {"g1", "g3"}),
    case({"price__range": (20, 30)}, {"g2", "g4", "g5"}),
    # boolean
    case({"in_stock": True}, {"g1", "g2", "g4"}),
    case({"in_stock": False}, {"g3", "g5"}),
    # date: 2020-01-15, 2019-06-30, 2021-11-02, 2018-02-01, 2020-01-15
    case({"released": date(2020, 1, 15)}, {"g1", "g5"}),
    case({"released__gt": date(2020, 1, 15)}, {"g3"}, EXCLUSIVE_DATE_RANGE),
    case({"released__gte": date(2020, 1, 15)}, {"g1", "g3", "g5"}),
    case({"released__lt": date(2020, 1, 15)}, {"g2", "g4"}, EXCLUSIVE_DATE_RANGE),
    case({"released__lte": date(2020, 1, 15)}, {"g1", "g2", "g4", "g5"}),
    case({"released__in": [date(2018, 2, 1), date(2021, 11, 2)]}, {"g3", "g4"}),
    case({"released__range": (date(2019, 1, 1), date(2020, 1, 15))}, {"g1", "g2", "g5"}),
    # datetime: 03-01 10:00, 03-01 09:00, 2020-12-31 23:59, 2022-07-04 12:30, 2019-05-05 08:00
    case({"updated_at": at(2021, 3, 1, 9, 0)}, {"g2"}),
    case({"updated_at__gt": at(2021, 3, 1, 9, 0)}, {"g1", "g4"}, EXCLUSIVE_DATE_RANGE),
    case({"updated_at__gte": at(2021, 3, 1, 9, 0)}, {"g1", "g2", "g4"}),
    case({"updated_at__lt": at(2021, 3, 1, 9, 0)}, {"g3", "g5"}, EXCLUSIVE_DATE_RANGE),
    case({"updated_at__lte": at(2021, 3, 1, 9, 0)}, {"g2", "g3", "g5"}),
    case({"updated_at__range": (at(2020, 1, 1), at(2021, 3, 1, 9, 30))}, {"g2", "g3"}),
    # multi-valued
    case({"colours": "red"}, {"g1", "g4"}),
    case({"colours__in": ["white", "steel"]}, {"g3", "g4", "g5"}),
]


@pytest.mark.parametrize(("lookup", "expected"), LOOKUPS)
def test_filter_lookup(catalogue, lookup, expected):
    assert catalogue.key_set(SearchQuerySet().filter(**lookup)) == expected


@pytest.mark.parametrize(("lookup", "expected"), LOOKUPS)
def test_exclude_lookup_is_the_complement(catalogue, lookup, expected):
    """exclude() keeps exactly the gadgets that filter() drops."""
    assert catalogue.key_set(SearchQuerySet().exclude(**lookup)) == set(catalogue) - expected


@pytest.mark.parametrize(("lookup", "expected"), LOOKUPS)
def test_count_agrees_with_the_filter(catalogue, lookup, expected):
    assert SearchQuerySet().filter(**lookup).count() == len(expected)


def test_filters_combine_with_and(catalogue):
    """In stock: g1 g2 g4; of those, quantity over 10: g2 g4; of those, price under 25: g4."""
    sqs = SearchQuerySet().filter(in_stock=True).filter(quantity__gt=10).filter(price__lt=25)
    assert catalogue.keys_of(sqs) == ["g4"]


def test_filter_then_exclude(catalogue):
    """In stock g1 g2 g4, less those with more than 10: g1."""
    assert catalogue.keys_of(SearchQuerySet().filter(in_stock=True).exclude(quantity__gt=10)) == ["g1"]


def test_a_filter_that_matches_nothing_gives_nothing(catalogue):
    assert catalogue.keys_of(SearchQuerySet().filter(maker="nobody")) == []
    assert SearchQuerySet().filter(maker="nobody").count() == 0


def test_filters_with_no_common_gadget_give_nothing(catalogue):
    """hooli makes g1 g3, globex g2 g5: no gadget has both makers."""
    assert catalogue.keys_of(SearchQuerySet().filter(maker="hooli").filter(maker="globex")) == []


@pytest.mark.stock_limitation("an aware filter value is compared by its wall-clock time, not as an instant")
def test_datetime_filter_in_another_time_zone_finds_the_same_instant(engine):
    """10:00 UTC is 12:00 in Paris in summer: filtering with either value must find the gadget."""
    paris_summer = timezone(timedelta(hours=2))
    gadget = make_gadget(updated_at=at(2021, 7, 1, 10, 0))
    index_objects(gadget)
    found = SearchQuerySet().filter(updated_at=datetime(2021, 7, 1, 12, 0, tzinfo=paris_summer))
    assert [result.pk for result in found] == [str(gadget.pk)]
