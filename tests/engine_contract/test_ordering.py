"""order_by on every sortable field type, both directions, several keys; unordered match-all.

Orders are read off the catalogue table in conftest.py. Its ties are chosen so that an engine
that sorts by the first key only (ties in index order, or reversed with the order) fails.
"""

import pytest
from haystack.exceptions import SearchBackendError
from haystack.query import SearchQuerySet

from .conftest import index_objects, make_gadget

SINGLE_KEY_ORDERS = [
    # A set is a tie: haystack promises no order within it (the multi-key tests break the ties).
    ("updated_at", ["g5", "g3", "g2", "g1", "g4"]),
    ("-updated_at", ["g4", "g1", "g2", "g3", "g5"]),
    ("price", ["g1", {"g4", "g5"}, "g2", "g3"]),
    ("-price", ["g3", "g2", {"g4", "g5"}, "g1"]),
    ("quantity", ["g3", "g5", "g1", {"g2", "g4"}]),
    ("-quantity", [{"g2", "g4"}, "g1", "g5", "g3"]),
    ("released", ["g4", "g2", {"g1", "g5"}, "g3"]),
    ("-released", ["g3", {"g1", "g5"}, "g2", "g4"]),
]


def grouped(keys, shape):
    """``keys`` cut into the shape of ``shape``: a set where the expected order has a tie."""
    out, position = [], 0
    for part in shape:
        size = len(part) if isinstance(part, set) else 1
        chunk = keys[position : position + size]
        out.append(set(chunk) if isinstance(part, set) else chunk[0] if chunk else None)
        position += size
    return out


@pytest.mark.parametrize(("order", "expected"), SINGLE_KEY_ORDERS, ids=[order for order, _ in SINGLE_KEY_ORDERS])
def test_order_by_one_field(catalogue, order, expected):
    keys = catalogue.keys_of(SearchQuerySet().order_by(order))
    assert len(keys) == 5
    assert grouped(keys, expected) == expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (("name",), ["g3", "g5", "g2", "g4", "g1"]),
        (("-name",), ["g1", "g4", "g2", "g5", "g3"]),
    ],
    ids=["name", "-name"],
)
def test_order_by_a_char_field(catalogue, order, expected):
    """Desk lamp, Kettle, Pocket torch, Radio alarm, Solar charger."""
    assert catalogue.keys_of(SearchQuerySet().order_by(*order)) == expected


def test_order_by_applies_to_a_filtered_query(catalogue):
    """In stock g1 (5), g2 (12), g4 (12); by price: g1 19.99, g4 24.0, g2 29.5."""
    assert catalogue.keys_of(SearchQuerySet().filter(in_stock=True).order_by("price")) == ["g1", "g4", "g2"]


def test_order_by_replaces_relevance_for_a_text_query(catalogue):
    """"solar" matches g1 (name) and g2; by price descending g2 (29.5) comes first whatever its score."""
    assert catalogue.keys_of(SearchQuerySet().auto_query("solar").order_by("-price")) == ["g2", "g1"]
    assert catalogue.keys_of(SearchQuerySet().auto_query("solar").order_by("price")) == ["g1", "g2"]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        # quantity, then price on the tie at 12: g4 (24.0) before g2 (29.5)
        (("quantity", "price"), ["g3", "g5", "g1", "g4", "g2"]),
        (("-quantity", "-price"), ["g2", "g4", "g1", "g5", "g3"]),
        # released, then quantity on the tie at 2020-01-15: g5 (3) before g1 (5)
        (("released", "quantity"), ["g4", "g2", "g5", "g1", "g3"]),
        (("-released", "-quantity"), ["g3", "g1", "g5", "g2", "g4"]),
    ],
    ids=["quantity,price", "-quantity,-price", "released,quantity", "-released,-quantity"],
)
def test_order_by_several_fields_in_one_direction(catalogue, order, expected):
    """Every key counts, not the first one alone."""
    assert catalogue.keys_of(SearchQuerySet().order_by(*order)) == expected


@pytest.mark.stock_limitation("sort keys must share one direction (SearchBackendError otherwise)")
@pytest.mark.parametrize(
    ("order", "expected"),
    [
        # price up, then released down on the tie at 24.0: g5 (2020) before g4 (2018)
        (("price", "-released"), ["g1", "g5", "g4", "g2", "g3"]),
        # price down, then released up: g4 (2018) before g5 (2020)
        (("-price", "released"), ["g3", "g2", "g4", "g5", "g1"]),
    ],
    ids=["price,-released", "-price,released"],
)
def test_order_by_several_fields_in_mixed_directions(catalogue, order, expected):
    assert catalogue.keys_of(SearchQuerySet().order_by(*order)) == expected


def test_mixed_directions_are_sorted_or_refused(catalogue):
    """haystack's Whoosh test_order_by: an engine that cannot sort mixed directions says so with
    SearchBackendError; it must not return the first key's order as if the others were met."""
    try:
        keys = catalogue.keys_of(SearchQuerySet().order_by("price", "-released"))
    except SearchBackendError:
        return
    assert keys == ["g1", "g5", "g4", "g2", "g3"]


def test_unordered_match_all_keeps_index_order(catalogue):
    """haystack's Whoosh test_search and test_slicing: with no order_by and no words to rank by,
    results come in the order the documents were indexed (Whoosh scores them all alike)."""
    assert catalogue.keys_of(SearchQuerySet().all()) == ["g1", "g2", "g3", "g4", "g5"]


def test_unordered_match_all_on_an_index_without_published_at(gadget_only_engine):
    """The archive's ``published_at`` is no part of haystack's contract: an index of gadgets alone
    has no such field, and a match-all must still list every document."""
    gadgets = [make_gadget(name=name) for name in ("Lamp", "Torch", "Kettle")]
    index_objects(*gadgets)
    results = list(SearchQuerySet().all())
    assert [result.pk for result in results] == [str(gadget.pk) for gadget in gadgets]
    assert SearchQuerySet().all().count() == 3


def test_order_by_on_an_index_without_published_at(gadget_only_engine):
    rows = (("Lamp", 3), ("Torch", 1), ("Kettle", 2))
    gadgets = [make_gadget(name=name, quantity=quantity) for name, quantity in rows]
    index_objects(*gadgets)
    assert [result.name for result in SearchQuerySet().order_by("quantity")] == ["Torch", "Kettle", "Lamp"]
    assert [result.name for result in SearchQuerySet().order_by("-quantity")] == ["Lamp", "Kettle", "Torch"]


def test_latest(catalogue):
    """latest(field) is the last by that field: updated_at g4 (2022), released g3 (2021)."""
    assert catalogue.keys_of([SearchQuerySet().latest("updated_at")]) == ["g4"]
    assert catalogue.keys_of([SearchQuerySet().latest("released")]) == ["g3"]
