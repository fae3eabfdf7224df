"""values(), values_list(), slicing, iteration, len() and count() agreeing with each other.

The catalogue (conftest.py) by updated_at: g5, g3, g2, g1, g4 (no ties).
"""

import pytest
from django.core.paginator import Paginator
from haystack.query import SearchQuerySet

from .conftest import at, index_objects, make_gadget

# Stock Whoosh turns a slice into a Whoosh page: page int(start / length) + 1 of ``length``
# results, which is the slice asked for only when start is a multiple of its length.
UNALIGNED_SLICE = (
    "a slice [start:stop] is fetched as Whoosh page start // (stop - start) + 1, which is that "
    "slice only when start is a multiple of its length"
)
PAGE_PAST_THE_END = (
    "a page past the last one is answered with hits=0, which replaces the queryset's count"
)

BY_UPDATE = ["g5", "g3", "g2", "g1", "g4"]


def by_update():
    return SearchQuerySet().order_by("updated_at")


def test_values(catalogue):
    """globex: g2 (Pocket torch, 12), g5 (Kettle, 3); Kettle was updated first."""
    rows = list(SearchQuerySet().filter(maker="globex").order_by("updated_at").values("name", "quantity"))
    assert rows == [{"name": "Kettle", "quantity": 3}, {"name": "Pocket torch", "quantity": 12}]


def test_values_list(catalogue):
    rows = list(SearchQuerySet().filter(maker="globex").order_by("updated_at").values_list("name", "price"))
    assert [list(row) for row in rows] == [["Kettle", 24.0], ["Pocket torch", 29.5]]


def test_values_list_flat(catalogue):
    pks = list(by_update().values_list("pk", flat=True))
    assert pks == [str(catalogue[key].pk) for key in BY_UPDATE]


def test_values_list_flat_refuses_several_fields(catalogue):
    with pytest.raises(TypeError):
        SearchQuerySet().values_list("name", "price", flat=True)


@pytest.mark.stock_limitation(UNALIGNED_SLICE)
def test_values_slice(catalogue):
    """haystack's test_values_slicing: a slice of values is the slice of the results."""
    names = list(by_update().values_list("name", flat=True)[1:3])
    assert names == ["Desk lamp", "Pocket torch"]


def test_values_of_a_multivalue_and_a_date_field(catalogue):
    row = SearchQuerySet().filter(name="kettle").values("colours", "maker")[0]
    assert row == {"colours": ["steel"], "maker": "globex"}


def test_count_and_len(catalogue):
    sqs = by_update()
    assert sqs.count() == 5
    assert len(sqs) == 5


def test_iteration_agrees_with_count(catalogue):
    sqs = SearchQuerySet().filter(in_stock=True)
    assert len(list(sqs)) == sqs.count() == 3


def test_iteration_in_order(catalogue):
    assert catalogue.keys_of(by_update()) == BY_UPDATE


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        (0, 2, ["g5", "g3"]),
        pytest.param(1, 3, ["g3", "g2"], marks=pytest.mark.stock_limitation(UNALIGNED_SLICE)),
        pytest.param(3, 10, ["g1", "g4"], marks=pytest.mark.stock_limitation(UNALIGNED_SLICE)),  # past the end
        (4, 5, ["g4"]),
        (5, 10, []),  # starts at the end
        (10, 20, []),  # starts past the end
        pytest.param(2, None, ["g2", "g1", "g4"], marks=pytest.mark.stock_limitation(UNALIGNED_SLICE)),
        (None, 2, ["g5", "g3"]),
    ],
)
def test_slices(catalogue, start, stop, expected):
    assert catalogue.keys_of(by_update()[start:stop]) == expected


@pytest.mark.stock_limitation(PAGE_PAST_THE_END)
def test_slice_past_the_end_keeps_the_count(catalogue):
    sqs = by_update()
    assert catalogue.keys_of(sqs[10:20]) == []
    assert sqs.count() == 5


def test_indexing(catalogue):
    sqs = by_update()
    assert catalogue.keys_of([sqs[0], sqs[4]]) == ["g5", "g4"]
    with pytest.raises(IndexError):
        by_update()[5]


@pytest.mark.stock_limitation(UNALIGNED_SLICE)
def test_slices_of_one_queryset_agree(catalogue):
    """Slices fill one result cache: they must fit together into the whole."""
    sqs = by_update()
    assert catalogue.keys_of(sqs[3:5]) + catalogue.keys_of(sqs[0:3]) == BY_UPDATE[3:] + BY_UPDATE[:3]
    assert catalogue.keys_of(sqs) == BY_UPDATE


def test_paginator_pages(catalogue):
    paginator = Paginator(by_update(), 2)
    assert paginator.count == 5
    assert paginator.num_pages == 3
    assert [catalogue.keys_of(paginator.page(number).object_list) for number in (1, 2, 3)] == [
        ["g5", "g3"], ["g2", "g1"], ["g4"]
    ]  # fmt: skip


def test_iteration_past_one_fetch(engine):
    """haystack fetches ITERATOR_LOAD_PER_QUERY (10) results at a time: 23 gadgets, ranked alike
    by a word they all have, must come out once each however the fetches cut them."""
    gadgets = [make_gadget(name=f"Widget {number}", quantity=number) for number in range(23)]
    index_objects(*gadgets)
    sqs = SearchQuerySet().auto_query("widget")
    pks = [result.pk for result in sqs]
    assert sorted(pks, key=int) == [str(gadget.pk) for gadget in gadgets]
    assert sqs.count() == 23


def test_pages_of_a_ranked_query_do_not_overlap(engine):
    """haystack's test_slicing: pages 0-20 and 20-30 of 23 documents make the 23."""
    gadgets = [make_gadget(name=f"Widget {number}") for number in range(23)]
    index_objects(*gadgets)
    first, second = SearchQuerySet().auto_query("widget")[0:20], SearchQuerySet().auto_query("widget")[20:30]
    assert len(first) == 20
    assert len(second) == 3
    assert sorted([result.pk for result in first + second], key=int) == [str(gadget.pk) for gadget in gadgets]


@pytest.mark.stock_limitation(UNALIGNED_SLICE)
def test_ordered_pages_do_not_overlap(engine):
    """Slices [0:10] and [10:30] of 23 gadgets, newest first."""
    gadgets = [
        make_gadget(name=f"Widget {number}", quantity=number, updated_at=at(2020, 1, 1 + number)) for number in range(23)
    ]
    index_objects(*gadgets)
    sqs = SearchQuerySet().filter(content="widget").order_by("-updated_at")
    quantities = [result.quantity for result in sqs[0:10]] + [result.quantity for result in sqs[10:30]]
    assert quantities == list(range(22, -1, -1))


@pytest.mark.stock_limitation(
    'match-all ("*") is parsed as Every("text"), which only matches documents with an indexed word '
    "in the document field"
)
def test_match_all_counts_a_document_without_indexed_words(engine):
    """A gadget named "A" (a stop word) has no indexed word in ``text``; it is still a document."""
    gadgets = [make_gadget(name="Lamp"), make_gadget(name="A")]
    index_objects(*gadgets)
    assert sorted(result.pk for result in SearchQuerySet().filter(in_stock=True)) == sorted(str(g.pk) for g in gadgets)
    assert SearchQuerySet().all().count() == 2
    assert sorted(result.pk for result in SearchQuerySet().all()) == sorted(str(g.pk) for g in gadgets)


def test_empty_index(engine):
    sqs = SearchQuerySet().all()
    assert sqs.count() == 0
    assert list(sqs) == []
    assert list(SearchQuerySet().auto_query("anything")) == []
