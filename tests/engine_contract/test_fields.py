"""Every SearchField type keeps its value and its Python type through the index and back.

After haystack's LiveWhooshRoundTripTestCase.test_round_trip (test_haystack/whoosh_tests).
"""

from datetime import date, datetime, timedelta, timezone

import pytest
from haystack.models import SearchResult
from haystack.query import SearchQuerySet
from haystack.utils import get_identifier

from tests.contract_app.models import Gadget

from .conftest import at, index_objects, make_gadget


def round_trip(**fields):
    """Index one gadget with these fields and read its one SearchResult back."""
    gadget = make_gadget(**fields)
    index_objects(gadget)
    results = list(SearchQuerySet().filter(id=get_identifier(gadget)))
    assert len(results) == 1
    return gadget, results[0]


def test_result_names_its_model_and_object(engine):
    """A result says which model and row it is, and loads that row."""
    gadget, result = round_trip(name="Solar charger")
    assert (result.app_label, result.model_name, result.model) == ("contract_app", "gadget", Gadget)
    assert result.pk == str(gadget.pk)
    assert result.object == gadget


def test_result_carries_its_document_id(engine):
    """haystack's round-trip test reads ``result.id`` ("app.model.pk"), the document's unique key."""
    gadget, result = round_trip(name="Solar charger")
    assert result.id == f"contract_app.gadget.{gadget.pk}"


def test_document_field_holds_the_prepared_text(engine):
    _, result = round_trip(name="Solar charger", description="Charges phones from sunlight.")
    assert result.text == "Solar charger\n\nCharges phones from sunlight."


def test_char_field_comes_back_as_the_same_string(engine):
    _, result = round_trip(name="Solar Charger, Mk. 2")
    assert result.name == "Solar Charger, Mk. 2"
    assert type(result.name) is str


def test_facet_char_field_comes_back_as_the_same_string(engine):
    _, result = round_trip(maker="Hooli Inc.")
    assert result.maker == "Hooli Inc."


@pytest.mark.parametrize("quantity", [0, 5, 12345])
def test_integer_field_comes_back_as_an_int(engine, quantity):
    """0 included: a falsy value must not turn into None or a string."""
    _, result = round_trip(quantity=quantity)
    assert result.quantity == quantity
    assert type(result.quantity) is int


@pytest.mark.parametrize("price", [19.99, 24.0, 0.0])
def test_float_field_comes_back_as_a_float(engine, price):
    """24.0 must not come back as the int 24."""
    _, result = round_trip(price=price)
    assert result.price == price
    assert type(result.price) is float


@pytest.mark.parametrize(
    "in_stock",
    [
        True,
        pytest.param(False, marks=pytest.mark.stock_limitation(
            'the stored "false" goes through BooleanField.convert, bool("false"), and comes back True'
        )),
    ],
)  # fmt: skip
def test_boolean_field_comes_back_as_a_bool(engine, in_stock):
    _, result = round_trip(in_stock=in_stock)
    assert result.in_stock is in_stock


def test_date_field_comes_back_as_the_same_day(engine):
    """Whoosh keeps dates as midnight datetimes; either way the calendar day must be kept."""
    _, result = round_trip(released=date(2020, 1, 15))
    assert isinstance(result.released, date)
    assert (result.released.year, result.released.month, result.released.day) == (2020, 1, 15)


def test_date_field_has_no_time_zone(engine):
    """A date is a calendar day, not an instant: an aware midnight UTC is shown by Django's
    localtime (templates, forms) as the previous day anywhere west of Greenwich."""
    _, result = round_trip(released=date(2020, 1, 15))
    assert getattr(result.released, "tzinfo", None) is None


def test_datetime_field_comes_back_as_the_same_instant(engine):
    _, result = round_trip(updated_at=at(2021, 3, 1, 10, 0, 30))
    assert isinstance(result.updated_at, datetime)
    assert result.updated_at == at(2021, 3, 1, 10, 0, 30)


def test_datetime_in_another_time_zone_comes_back_as_the_same_instant(engine):
    paris_summer = timezone(timedelta(hours=2))
    _, result = round_trip(updated_at=datetime(2021, 7, 1, 12, 0, tzinfo=paris_summer))
    assert result.updated_at == at(2021, 7, 1, 10, 0)


def test_multivalue_field_comes_back_as_a_list_in_order(engine):
    _, result = round_trip(colours=["red", "black", "sea green"])
    assert result.colours == ["red", "black", "sea green"]


def test_empty_multivalue_field_comes_back_as_an_empty_list(engine):
    """A regression test of haystack's own: an empty list must not become [''] or None."""
    _, result = round_trip(colours=[])
    assert result.colours == []


class GadgetResult(SearchResult):
    """haystack's test_result_class: results may be of a class of the caller's."""


def test_result_class(engine):
    gadget = make_gadget(name="Solar charger")
    index_objects(gadget)
    custom = SearchQuerySet().result_class(GadgetResult).filter(name="solar")
    assert [type(result) for result in custom] == [GadgetResult]
    assert [type(result) for result in SearchQuerySet().filter(name="solar")] == [SearchResult]
