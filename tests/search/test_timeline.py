"""The timeline: the date facet's counts as SVG bars that link to their period."""

import re
from functools import partial

from search.params import SearchParams, parse_date_bound
from search.facets import Facet, FacetValue
from search.timeline import BAR_AREA_HEIGHT, build_timeline


def bar_links(html):
    """(aria-label, href) of each linked bar, in the order drawn."""
    svg = html[html.index("<svg") : html.index("</svg>")]
    return [(label, href.replace("&amp;", "&")) for href, label in re.findall(r'<a href="([^"]*)" aria-label="([^"]*)"', svg)]


def test_search_page_draws_years_oldest_first_linking_to_each_year(client, small_archive):
    html = client.get("/").content.decode()
    assert '<figcaption id="timeline-caption">Articles per year</figcaption>' in html
    assert bar_links(html) == [
        ("2010: 1 article", "/?from=2010&to=2010"),
        ("2011: 2 articles", "/?from=2011&to=2011"),
        ("2012: 3 articles", "/?from=2012&to=2012"),
    ]
    assert '<text class="count" aria-hidden="true" x="100.0" y="14.0" text-anchor="middle">3</text>' in html


def test_inside_a_year_draws_its_twelve_months(client, small_archive):
    html = client.get("/?from=2012&to=2012").content.decode()
    assert "Articles per month in 2012" in html
    assert bar_links(html) == [
        ("February 2012: 2 articles", "/?from=2012-02&to=2012-02"),
        ("July 2012: 1 article", "/?from=2012-07&to=2012-07"),
    ]
    assert "<title>March 2012: no articles</title>" in html  # an empty month, drawn without a link
    assert html.count('class="period"') == 12


def test_timeline_follows_the_active_filters(client, small_archive):
    html = client.get("/?country=US").content.decode()
    assert bar_links(html) == [
        ("2010: 1 article", "/?country=US&from=2010&to=2010"),
        ("2011: 1 article", "/?country=US&from=2011&to=2011"),
        ("2012: 1 article", "/?country=US&from=2012&to=2012"),
    ]


def test_the_chosen_month_is_marked_current(client, small_archive):
    html = client.get("/?from=2011-03&to=2011-03").content.decode()
    assert '<a href="/?from=2011-03&amp;to=2011-03" aria-label="March 2011: 1 article" class="selected" aria-current="true">' in html


def test_no_timeline_without_results(client, small_archive):
    assert "timeline" not in client.get("/?q=nothingmatchesthis").content.decode()


def year_facet(counts):
    def make_values(pairs):
        return [
            FacetValue(year, year, count, False, SearchParams(), partial(dict, date_from=parse_date_bound(year), date_to=parse_date_bound(year)))
            for year, count in pairs
        ]

    return Facet("date", "Date", counts, make_values)


def test_years_without_articles_are_empty_slots_and_bars_scale_to_the_tallest():
    timeline = build_timeline(year_facet([("2013", 4), ("2010", 2)]))
    assert [bar.label for bar in timeline.bars] == ["2010", "2011", "2012", "2013"]
    assert [bar.url for bar in timeline.bars] == ["/?from=2010&to=2010", None, None, "/?from=2013&to=2013"]
    assert [bar.height for bar in timeline.bars] == [BAR_AREA_HEIGHT / 2, 0, 0, BAR_AREA_HEIGHT]
    assert timeline.bars[1].description == "2011: no articles"


def test_an_empty_facet_has_no_timeline():
    assert build_timeline(year_facet([])) is None
