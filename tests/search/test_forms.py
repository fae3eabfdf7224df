"""Parameter parsing: every input gives usable parameters, and what was dropped is explained."""

import pytest
from django.http import QueryDict

from search.forms import SearchForm
from search.params import parse_date_bound


def params_of(query):
    return SearchForm(QueryDict(query)).search_params()


@pytest.mark.parametrize(
    "text, first, last",
    [
        ("2011", "2011-01-01", "2011-12-31"),
        ("2012-02", "2012-02-01", "2012-02-29"),
        ("2011-2", "2011-02-01", "2011-02-28"),
        ("2012-02-29", "2012-02-29", "2012-02-29"),
    ],
)
def test_date_bounds_span_their_whole_period(text, first, last):
    bound = parse_date_bound(text)
    assert bound.first.date().isoformat() == first
    assert bound.last.date().isoformat() == last
    assert bound.first.tzinfo is not None


@pytest.mark.parametrize("text", ["2011-13", "2011-02-30", "11-02", "yesterday", "2011/02/03", "0000"])
def test_impossible_dates_are_rejected(text):
    with pytest.raises(ValueError):
        parse_date_bound(text)


def test_country_codes_are_case_insensitive_and_unknown_ones_explained(db):
    params = params_of("country=mx&country=ZZ&country=es&country=MX")
    assert params.countries == ("MX", "ES")
    assert any("ZZ" in notice for notice in params.notices)


def test_unknown_slugs_are_dropped_with_a_notice(db):
    params = params_of("organisation=nobody&operation=operation-nothing")
    assert params.organisations == () and params.operations == ()
    assert len(params.notices) == 2


def test_bad_dates_are_ignored_with_a_notice(db):
    params = params_of("from=2011-13&to=2012")
    assert params.date_from is None
    assert params.date_to.text == "2012"
    assert any("from" in notice for notice in params.notices)


def test_from_after_to_is_swapped(db):
    params = params_of("from=2013&to=2011-05")
    assert (params.date_from.text, params.date_to.text) == ("2011-05", "2013")
    assert params.notices


@pytest.mark.parametrize("page, expected", [("2", 2), ("0", 1), ("-1", 1), ("abc", 1), ("1000000000", 1), ("", 1)])
def test_page_numbers(db, page, expected):
    assert params_of(f"page={page}").page == expected


def test_sort_defaults_follow_the_query(db):
    assert params_of("").effective_sort == "newest"
    assert params_of("q=police").effective_sort == "relevance"
    assert params_of("q=police&sort=oldest").effective_sort == "oldest"
    params = params_of("sort=sideways")
    assert params.effective_sort == "newest" and params.notices


def test_query_text_loses_control_characters_and_is_bounded(db):
    assert params_of("q=po%00li%07ce%20%20raid").q == "po li ce raid"
    params = params_of("q=" + "word " * 300)
    assert len(params.q) <= 500 and params.notices


def test_params_round_trip_through_their_url(db):
    params = params_of("q=police&country=ES&country=AR&from=2011&to=2012-03&sort=oldest&page=3")
    assert params_of(params.url().split("?", 1)[1]) == params


@pytest.mark.parametrize(
    "typed, searched",
    [
        ("oil*", "oil"),
        ("*", ""),
        ("countries:mx", "countries mx"),
        ('"oil price"~5', '"oil price" 5'),
        ('"unbalanced', "unbalanced"),
        ("oil AND NOT", "oil"),
        ("[a TO]", "a"),
        ("(police OR cartel)", "police cartel"),
        ("-cartel police", "-cartel police"),
    ],
)
def test_query_syntax_is_reduced_to_words_with_a_notice(db, typed, searched):
    params = params_of("q=" + __import__("urllib.parse").parse.quote(typed))
    assert params.q == searched
    if typed != searched:
        assert params.notices


def test_unknown_parameters_are_named_in_a_notice(db):
    params = params_of("q=oil&utm_source=x&foo=1")
    assert params.q == "oil"
    assert params.notices == ("Ignored unknown parameters “foo”, “utm_source”.",)


def field_state(field) -> dict:
    """What a field and its widget hold, as plain values to compare."""
    return {"field": repr(sorted(vars(field).items(), key=lambda item: item[0])), "widget": repr(sorted(vars(field.widget).items()))}


def test_forms_share_their_declared_fields_without_changing_them(db):
    """Every form uses the class's declared fields (not deep copies of them), so cleaning any
    input must leave those fields as they were, and each form's dict of fields is its own."""
    before = {name: field_state(field) for name, field in SearchForm.base_fields.items()}
    inputs = ["q=mexico", "q=" + "x" * 600, "from=2011&to=2010", "from=yesterday&sort=loudest&page=-3", "facet=nope&page=abc",
              "q=%00cartel&country=MX&country=ZZ&language=xx", "sort=newest&page=99999"]  # fmt: skip
    forms = [SearchForm(QueryDict(query)) for query in inputs]
    for form in forms:
        form.search_params()
    assert {name: field_state(field) for name, field in SearchForm.base_fields.items()} == before
    forms[0].fields.pop("q")
    assert "q" in forms[1].fields and "q" in SearchForm(QueryDict("q=a")).fields
    assert params_of("q=mexico").q == "mexico"
