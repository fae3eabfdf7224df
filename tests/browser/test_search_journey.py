"""A reader's journey in a real browser: search, narrow by facets, drop a filter, page, read."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from articles.sample_archive import SAMPLE_ARCHIVE

from .conftest import api, open_page, screenshot

pytestmark = pytest.mark.browser


def facet_link(page, facet: str, label: str):
    """The link of one facet value; its accessible name is the label and the count."""
    return page.locator(f'section[aria-labelledby="facet-{facet}"]').get_by_role(
        "link", name=re.compile(rf"^{re.escape(label)} \d+")
    )


def query_of(page) -> dict:
    return parse_qs(urlsplit(page.url).query)


def unselected(facets: dict, name: str, below: int) -> dict:
    """The most frequent value of a facet that is not selected and would narrow the results."""
    return next(value for value in facets[name] if not value["selected"] and 0 < value["count"] < below)


def result_titles(page) -> list[str]:
    return page.locator("ol.results .result-title").all_inner_texts()


def test_search_narrow_by_facets_drop_a_chip_and_page(page, browser, archive_server):
    page.goto("/")
    sample_articles = len(json.loads(SAMPLE_ARCHIVE.read_text(encoding="utf-8"))["articles"])
    expect(page.locator("h1")).to_contain_text(f"{sample_articles} articles")
    screenshot(page, "search-page")

    page.get_by_role("searchbox", name="Search the archive").fill("Anonymous")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Anonymous"))
    everything = api(archive_server, "q=Anonymous")
    expect(page.locator("h1")).to_contain_text(f"{everything['total']} articles for “Anonymous”")

    country = unselected(everything["facets"], "country", everything["total"])
    facet_link(page, "country", country["label"]).click()
    page.wait_for_url(re.compile(rf"country={country['value']}"))
    expect(page.locator("h1")).to_contain_text(f"{country['count']} article")
    expect(page.locator(".chips li", has_text=country["label"])).to_have_count(1)
    in_country = api(archive_server, urlsplit(page.url).query)
    assert in_country["total"] == country["count"] < everything["total"]

    organisation = unselected(in_country["facets"], "organisation", in_country["total"])
    facet_link(page, "organisation", organisation["label"]).click()
    page.wait_for_url(re.compile(rf"organisation={organisation['value']}"))
    expect(page.locator("h1")).to_contain_text(f"{organisation['count']} article")
    assert query_of(page) == {"q": ["Anonymous"], "country": [country["value"]],
                              "organisation": [organisation["value"]]}  # fmt: skip
    narrowed = api(archive_server, urlsplit(page.url).query)
    assert narrowed["total"] == organisation["count"] < in_country["total"]
    titles = result_titles(page)
    assert titles == [hit["title"] for hit in narrowed["results"]]
    selected = facet_link(page, "country", country["label"])
    expect(selected).to_have_attribute("aria-current", "true")
    screenshot(page, "search-results-with-facets")

    with open_page(browser, archive_server) as shared:
        shared.goto(page.url)
        assert result_titles(shared) == titles, "the URL of a search is its whole state, shareable"

    remove_country = page.get_by_role("link", name=re.compile(rf"^Remove \w+: {re.escape(country['label'])}$"))
    remove_country.click()
    page.wait_for_url(lambda url: "country=" not in url)
    assert query_of(page) == {"q": ["Anonymous"], "organisation": [organisation["value"]]}
    without_country = api(archive_server, urlsplit(page.url).query)
    expect(page.locator("h1")).to_contain_text(f"{without_country['total']} article")
    expect(remove_country).to_have_count(0)

    page.get_by_role("link", name="Clear all").click()
    page.wait_for_url(lambda url: "organisation=" not in url and "q=" not in url)
    first_page = result_titles(page)
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator("h1 .range")).to_have_text("(21–40)")
    expect(page.get_by_role("navigation", name="Pages").locator('[aria-current="page"]')).to_have_text("2")
    second_page = result_titles(page)
    assert len(second_page) == 20 and not set(first_page) & set(second_page)


def test_open_an_article_from_the_results(page):
    page.goto("/?q=Zetas")
    first = page.locator("ol.results .result-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/articles/[\w-]+/$"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.get_by_role("heading", name="Countries")).to_be_visible()
    screenshot(page, "article-page")
    page.get_by_role("link", name="Back to search").click()
    page.wait_for_url(re.compile(r"/$"))


def test_the_language_facet_narrows_to_the_spanish_articles(page, archive_server):
    page.goto("/")
    spanish = api(archive_server, "language=es")["total"]
    assert spanish >= 15  # the sample archive's Spanish articles
    facet_link(page, "language", "Spanish").click()
    page.wait_for_url(re.compile(r"language=es"))
    expect(page.locator("h1")).to_contain_text(f"{spanish} articles")
    assert page.locator('ol.results .result-title[lang="es"]').count() == min(spanish, 20)
    assert page.locator('ol.results .result-title:not([lang="es"])').count() == 0
