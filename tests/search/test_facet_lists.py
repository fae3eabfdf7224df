"""A facet shows its top values and every selected one; its whole list is a page of its own
(``facet=country``), so that a search page renders a bounded number of values (issue 14)."""

import re

import pytest

from search.facets import FACET_NAMES, TOP_VALUES
from tests.conftest import index_everything
from tests.factories import ArticleFactory

from .helpers import search

# Fourteen countries: story n is tagged with the first n + 1, so the first has 14 articles, the last 1.
CODES = ["US", "GB", "FR", "DE", "JP", "CN", "BR", "MX", "ES", "IT", "CA", "AU", "IN", "AR"]


@pytest.fixture
def fourteen_countries(db, search_index):
    for n in range(len(CODES)):
        ArticleFactory(slug=f"story-{n}", title=f"Story {n}", body="police report", countries=CODES[: n + 1])
    index_everything()


def section(html: str, name: str) -> str:
    """The HTML of one facet's section."""
    start = html.index('<section class="facet')
    match = re.search(rf'<section class="facet[^"]*" aria-labelledby="facet-{name}">.*?</section>', html[start:], re.S)
    assert match, f"no section for facet {name}"
    return match.group(0)


def country_values(html: str) -> list[str]:
    return re.findall(r'href="/\?[^"]*country=([A-Z]{2})[^"]*"', section(html, "country"))


def test_a_facet_shows_its_top_values_and_links_to_all_of_them(client, fourteen_countries):
    html = client.get("/").content.decode()
    country = section(html, "country")
    assert country.count("<li") == TOP_VALUES
    assert country_values(html) == CODES[:TOP_VALUES]  # most articles first
    assert 'href="/?facet=country#facet-country"' in country
    assert "All 14 values" in country
    assert "facet-fewer" not in country


def test_the_expanded_facet_shows_every_value_and_keeps_the_results(client, fourteen_countries):
    html = client.get("/", {"q": "police", "facet": "country"}).content.decode()
    country = section(html, "country")
    assert country.count("<li") == len(CODES)
    assert set(country_values(html)) == set(CODES)
    assert html.count('class="result"') == len(CODES)  # the results list stays
    assert '<h3 id="facet-country" tabindex="-1">' in country  # the link's fragment lands on it
    assert 'href="/?q=police#facet-country"' in country  # back to the top values
    assert "All 14 values" not in country
    # Its value links keep it expanded, to choose several; the other facets show their top values.
    assert 'href="/?q=police&amp;country=AR&amp;facet=country"' in country


def test_only_the_expanded_facet_shows_its_whole_list(client, fourteen_countries):
    html = client.get("/", {"facet": "organisation"}).content.decode()
    assert section(html, "country").count("<li") == TOP_VALUES
    assert "All 14 values" in section(html, "country")


def test_every_selected_value_stays_visible(client, fourteen_countries):
    selected = CODES[-3:]  # the three with fewest articles, outside the top ten
    html = client.get("/?" + "&".join(f"country={code}" for code in selected)).content.decode()
    shown = section(html, "country")
    assert shown.count('aria-current="true"') == 3
    assert shown.count("<li") == TOP_VALUES
    assert set(country_values(html)) >= set(CODES[:7])  # with the seven values most found


def test_more_selected_values_than_the_top_are_all_shown(db, fourteen_countries):
    codes = CODES[:12]
    facet = next(f for f in search("&".join(f"country={code}" for code in codes)).facets if f.name == "country")
    assert [value.value for value in facet.top if value.selected] == codes
    assert len(facet.top) == 12 and facet.hidden_count == 2


def test_the_number_of_facet_values_on_a_page_is_bounded(client, fourteen_countries):
    html = client.get("/").content.decode()
    facets = html[html.index('<nav class="facets"') :]
    assert facets.count("<li") <= TOP_VALUES * len(FACET_NAMES)


def test_a_bad_facet_name_is_ignored_with_a_notice(client, fourteen_countries):
    response = client.get("/", {"facet": "<nonsense>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ignored unknown facet “&lt;nonsense&gt;”" in html
    assert "<nonsense>" not in html
    assert section(html, "country").count("<li") == TOP_VALUES


def test_the_api_is_the_same_with_or_without_an_expanded_facet(client, fourteen_countries):
    plain = client.get("/api/search").json()
    expanded = client.get("/api/search", {"facet": "country"}).json()
    assert plain == expanded
    assert len(plain["facets"]["country"]) == len(CODES)


def test_feeds_and_downloads_leave_out_the_expanded_facet(client, fourteen_countries):
    html = client.get("/", {"q": "police", "facet": "country"}).content.decode()
    assert 'href="/search.atom?q=police"' in html and 'href="/search.csv?q=police"' in html


def test_the_expanded_facet_is_part_of_the_shareable_address(db):
    from django.http import QueryDict

    from search.forms import SearchForm

    params = SearchForm(QueryDict("country=mx&facet=Country&page=2")).search_params()
    assert params.facet == "country" and not params.notices
    assert params.url() == "/?country=MX&facet=country&page=2"
    assert params.url(countries=()) == "/?facet=country"  # a new choice keeps the list open, from page 1
    assert SearchForm(QueryDict(params.url().split("?", 1)[1])).search_params() == params


@pytest.mark.parametrize(
    "query, changes, expected",
    [
        ("", {}, "/"),
        ("", {"countries": ("MX",)}, "/?country=MX"),
        ("q=oil+price&country=MX&page=3", {}, "/?q=oil+price&country=MX&page=3"),
        ("q=oil&country=MX&page=3", {"countries": ("MX", "ES")}, "/?q=oil&country=MX&country=ES"),
        ("q=oil&country=MX&page=3", {"page": 4}, "/?q=oil&country=MX&page=4"),
        ("q=oil&country=MX&sort=oldest", {"q": ""}, "/?country=MX&sort=oldest"),
        ("q=caf%C3%A9+%22x+y%22&from=2011&to=2012-03&language=es", {"date_from": None}, "/?q=caf%C3%A9+%22x+y%22&language=es&to=2012-03"),
        ("organisation=anonymous&operation=operation-cartel&facet=organisation", {"operations": ()},
         "/?organisation=anonymous&facet=organisation"),
        ("country=MX&facet=country&page=2", {"facet": "", "page": 2}, "/?country=MX&page=2"),
    ],
)  # fmt: skip
def test_a_link_changes_only_what_it_changes(small_archive, query, changes, expected):
    from django.http import QueryDict
    from django.utils.http import urlencode

    from search.forms import SearchForm

    params = SearchForm(QueryDict(query)).search_params()
    assert params.url(**changes) == expected
    changed = params.with_changes(**changes) if changes else params
    assert expected == "/" + (f"?{urlencode(changed.query_items())}" if changed.query_items() else "")


def test_a_link_to_a_field_that_does_not_exist_is_an_error(db):
    from search.params import SearchParams

    with pytest.raises(TypeError):
        SearchParams().url(country=("MX",))
