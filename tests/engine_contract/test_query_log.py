"""Searches are recorded in connections[alias].queries when DEBUG is on (haystack's log_query
decorator on the backend's search), as the debug toolbar's haystack panel and haystack's own
LiveWhooshSearchQueryTestCase.test_log_query expect."""

import pytest
from haystack import connections, reset_search_queries
from haystack.query import SearchQuerySet


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    reset_search_queries()
    return connections["default"].queries


def test_a_search_is_logged_under_debug(catalogue, debug):
    assert len(SearchQuerySet().filter(name="kettle")) == 1
    assert [query["query_string"] for query in debug] == ["name:(kettle)"]


def test_each_search_is_logged_in_order(catalogue, debug):
    len(SearchQuerySet().filter(name="kettle"))
    len(SearchQuerySet().filter(maker="globex").filter(name="torch"))
    assert [query["query_string"] for query in debug] == ["name:(kettle)", "(maker:(globex) AND name:(torch))"]


def test_a_log_entry_has_the_search_arguments_and_time(catalogue, debug):
    list(SearchQuerySet().filter(maker="globex").order_by("-updated_at")[:2])
    (entry,) = debug
    assert entry["additional_kwargs"]["sort_by"] == ["-updated_at"]
    assert entry["additional_kwargs"]["end_offset"] == 2
    assert float(entry["time"]) >= 0
    assert entry["stop"] >= entry["start"]


def test_nothing_is_logged_without_debug(catalogue, settings):
    settings.DEBUG = False
    reset_search_queries()
    len(SearchQuerySet().filter(name="kettle"))
    assert connections["default"].queries == []


def test_len_is_one_search(catalogue, debug):
    """haystack's test_count."""
    assert len(SearchQuerySet().filter(in_stock=True)) == 3
    assert len(debug) == 1


def test_iteration_is_one_search(catalogue, debug):
    """haystack's test_iter: three results come in one fetch (iter(), as list() would ask len() first)."""
    assert len([result for result in iter(SearchQuerySet().filter(in_stock=True))]) == 3
    assert len(debug) == 1


def test_a_slice_is_one_search(catalogue, debug):
    """haystack's test_slice."""
    assert len(SearchQuerySet().filter(in_stock=True)[0:2]) == 2
    assert len(debug) == 1
