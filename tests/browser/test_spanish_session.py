"""A Spanish reader in a real browser: the whole page in Spanish, then English with the switcher,
the same search kept."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import api, axe_serious_violations, open_page, screenshot

pytestmark = pytest.mark.browser

# Interface strings of the English pages: none may be left on a Spanish page.
ENGLISH_UI = [
    "Search the archive", "Skip to content", "Editors’ admin", "articles for", "article for",
    "Active filters", "Clear all", "Remove ", "Filters", "Date", "Country", "Organisation", "Operation",
    "Articles per year", "Articles per month", "Follow this search", "Atom feed", "download",
    "Sorted by", "relevance", "newest", "oldest", "Previous", "Next", "All dates", "Any ",
    "None in these results", "No articles found", "Did you mean", "Without ", "values",
    "January", "February", "March", "April", "June", "July", "August", "September", "October",
    "November", "December", "selected, select to remove", "Tags", "Pages",
]  # fmt: skip


# The archive's content, in whatever language it was written: titles, texts, names, sources.
CONTENT = ", ".join([
    ".result-title", ".snippet", ".result-meta", ".facet-label", ".tags", ".chip", ".no-results-help li",
    ".language-switcher", ".article h1", ".article-meta", ".summary", ".article-body", ".entity h1", ".aliases",
    ".related a", ".related-articles li a", ".related-meta",
])  # fmt: skip


def english_left(text: str) -> list[str]:
    return [phrase for phrase in ENGLISH_UI if re.search(rf"(?<!\w){re.escape(phrase)}", text)]


def interface_text(page) -> str:
    """What a reader sees and hears of the interface: the visible text without the articles' own
    titles, snippets and names (the archive's content stays in its language), and the accessible
    names the page gives in attributes."""
    return page.evaluate(
        """() => {
            const copy = document.body.cloneNode(true);
            copy.querySelectorAll(CONTENT).forEach((node) => node.remove());
            const names = [...document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')]
                .filter((node) => !node.closest('.chip, .no-results-help, .language-switcher'))
                .map((node) => ['aria-label', 'placeholder', 'title', 'alt'].map((a) => node.getAttribute(a) || '').join(' '));
            return [copy.innerText, ...names].join('\\n');
        }""".replace("CONTENT", repr(CONTENT))
    )


def test_a_spanish_session_searches_filters_and_switches_to_english(browser, archive_server):
    with open_page(browser, archive_server, locale="es-ES") as page:
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        page.get_by_role("searchbox", name="Buscar en el archivo").fill("Anonymous")
        page.get_by_role("button", name="Buscar", exact=True).click()
        page.wait_for_url(re.compile(r"q=Anonymous"))
        everything = api(archive_server, "q=Anonymous")
        expect(page.locator("h1")).to_contain_text(f"{everything['total']} artículos para “Anonymous”")
        expect(page).to_have_title("Anonymous – Búsqueda en NewsArchive")

        organisation = next(value for value in everything["facets"]["organisation"]
                            if not value["selected"] and 0 < value["count"] < everything["total"])  # fmt: skip
        facets = page.get_by_role("navigation", name="Filtros")
        expect(facets.get_by_role("heading", name="Organización")).to_be_visible()
        expect(facets.get_by_role("heading", name="Fecha de publicación")).to_be_visible()
        facets.locator('section[aria-labelledby="facet-organisation"]').get_by_role(
            "link", name=re.compile(rf"^{re.escape(organisation['label'])} \d+")
        ).click()
        page.wait_for_url(re.compile(rf"organisation={organisation['value']}"))
        expect(page.locator("h1")).to_contain_text(f"{organisation['count']} artículo")
        expect(page.get_by_role("link", name="Quitar todos")).to_be_visible()
        expect(page.get_by_text("Ordenados por: relevancia")).to_be_visible()
        expect(page.locator(".result-meta time").first).to_have_text(re.compile(r"^\d{1,2} de [a-z]+ de \d{4}$"))
        screenshot(page, "search-page-spanish")
        assert english_left(interface_text(page)) == []
        state = parse_qs(urlsplit(page.url).query)
        assert state == {"q": ["Anonymous"], "organisation": [organisation["value"]]}

        page.locator(".language-switcher").get_by_role("button", name="English").click()
        page.wait_for_load_state()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert parse_qs(urlsplit(page.url).query) == state
        expect(page.locator("h1")).to_contain_text(f"{organisation['count']} article")
        expect(page.get_by_role("navigation", name="Filters").get_by_role("heading", name="Organisation")).to_be_visible()
        expect(page.locator(".language-switcher").get_by_role("button", name="Español")).to_have_attribute("lang", "es")

        page.goto("/?q=Zetas")  # the choice is kept over the browser's Spanish
        expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_spanish_session_reads_an_article_and_an_entity_in_spanish(browser, archive_server):
    with open_page(browser, archive_server, locale="es-ES") as page:
        page.goto("/?q=Zetas")
        page.locator("ol.results .result-title a").first.click()
        page.wait_for_url(re.compile(r"/articles/[\w-]+/$"))
        expect(page.get_by_role("heading", name="Países")).to_be_visible()
        expect(page.locator(".article-meta time")).to_have_text(re.compile(r"^\d{1,2} de [a-z]+ de \d{4}, \d\d:\d\d UTC$"))
        assert english_left(interface_text(page)) == []
        page.get_by_role("link", name="Volver a la búsqueda").click()
        page.goto("/organisations/anonymous/")
        expect(page.get_by_role("heading", name="Artículos a lo largo del tiempo")).to_be_visible()
        assert english_left(interface_text(page)) == []


def test_the_spanish_pages_pass_axe(browser, archive_server, axe_script):
    with open_page(browser, archive_server, locale="es-ES", bypass_csp=True) as page:
        for url in ("/?q=Anonymous", "/organisations/anonymous/"):
            page.goto(url)
            expect(page.locator("html")).to_have_attribute("lang", "es")
            assert axe_serious_violations(page, axe_script) == [], url
