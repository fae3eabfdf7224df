"""The search page and its JSON twin, through Django's test client."""

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import index_everything, marked
from tests.factories import ArticleFactory
from tests.search.helpers import search


def test_search_page_lists_the_archive_with_facets(client, small_archive):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "6 articles" in html
    assert 'href="/?country=MX"' in html
    assert "Mexico" in html  # a country label from the database
    assert html.count('class="result"') == 6


def test_search_page_highlights_and_links_tags(client, small_archive):
    html = client.get("/", {"q": "arrests"}).content.decode()
    assert marked("arrests") in html
    assert 'href="/articles/a3/"' in html
    assert 'href="/?organisation=interpol"' in html


def test_no_results_explains_and_offers_to_drop_filters(client, small_archive):
    html = client.get("/?country=MX&organisation=interpol").content.decode()
    assert "No articles found" in html
    assert 'href="/?organisation=interpol"' in html  # drop MX
    assert 'href="/?country=MX"' in html  # drop Interpol


@pytest.mark.archive_engine  # stock Whoosh: no suggestion when nothing matches
def test_did_you_mean_is_shown(client, small_archive):
    html = client.get("/?q=Interpl").content.decode()
    assert "Did you mean" in html and 'href="/?q=interpol"' in html


def test_notices_are_shown_for_ignored_parameters(client, small_archive):
    html = client.get("/?country=ZZ&page=abc").content.decode()
    assert "Ignored unknown country “ZZ”" in html


def test_api_returns_the_documented_shape(client, small_archive):
    data = client.get("/api/search", {"q": "interpol", "country": "es"}).json()
    assert data["total"] == 2 and data["page"] == 1 and data["pages"] == 1
    first = data["results"][0]
    assert set(first) >= {"slug", "title", "url", "source_url", "published_at", "source", "snippet",
                          "countries", "organisations", "operations", "language"}  # fmt: skip
    assert first["url"].startswith("http://testserver/articles/")
    assert first["language"] == "en"  # detected from the text
    assert set(data["facets"]) == {"date", "country", "organisation", "operation", "language"}
    es = next(v for v in data["facets"]["country"] if v["value"] == "ES")
    assert es == {"value": "ES", "label": "Spain", "count": 2, "selected": True}


def test_api_and_page_agree(client, small_archive):
    data = client.get("/api/search", {"organisation": "anonymous"}).json()
    html = client.get("/", {"organisation": "anonymous"}).content.decode()
    assert f"{data['total']} articles" in html


@pytest.fixture
def many_articles(db, search_index):
    for n in range(45):
        ArticleFactory(slug=f"n{n:02d}", title=f"Report {n}", body="police report")
    index_everything()


def test_paging_walks_the_whole_result(client, many_articles):
    seen = []
    for page in (1, 2, 3):
        data = client.get("/api/search", {"q": "police", "page": page}).json()
        assert data["pages"] == 3
        seen += [result["slug"] for result in data["results"]]
    assert len(seen) == 45 and len(set(seen)) == 45


def test_a_page_past_the_end_shows_the_last_page_with_a_notice(client, many_articles):
    data = client.get("/api/search", {"page": 99}).json()
    assert data["page"] == 3 and len(data["results"]) == 5
    assert data["notices"]


def test_page_links_keep_the_filters(client, many_articles):
    html = client.get("/", {"q": "police"}).content.decode()
    assert 'href="/?q=police&amp;page=2"' in html


def test_article_page_shows_text_and_tag_links(client, small_archive):
    html = client.get(reverse("articles:detail", kwargs={"slug": "a3"})).content.decode()
    assert "Interpol arrests 25 suspects" in html
    assert 'href="/?country=AR"' in html and 'href="/?operation=operation-unmask"' in html


def test_unknown_article_is_404(client, db):
    assert client.get("/articles/no-such-article/").status_code == 404


def test_titles_with_markup_are_escaped_on_every_page(client, db, search_index):
    ArticleFactory(slug="xss", title="<img src=x onerror=alert(1)>", body="payload police")
    index_everything()
    for url in ("/", "/?q=police", "/articles/xss/"):
        html = client.get(url).content.decode()
        assert "<img src=x" not in html and "&lt;img src=x" in html


def test_an_empty_archive_answers_with_no_results(client, db, search_index):
    from search.indexing import search_backend

    search_backend().clear()  # what rebuild_index does on an empty database
    assert client.get("/").status_code == 200
    assert client.get("/api/search", {"q": "anything", "country": "MX"}).json()["total"] == 0


@given(st.one_of(st.from_regex(r"[-a-zA-Z0-9_]+", fullmatch=True), st.text(max_size=12)), st.sampled_from(["/", "/news/", "/archivo de prensa/"]))
@example("operación-méxico", "/")
@example("a/b", "/")
@example("", "/")
def test_hit_links_are_the_ones_reverse_gives(slug, script_prefix):
    # A page's article links come from one reverse() per page (search.service.article_urls).
    from django.urls import NoReverseMatch, set_script_prefix

    from search.service import article_urls

    set_script_prefix(script_prefix)
    try:
        article_url = article_urls()
        try:
            expected = reverse("articles:detail", kwargs={"slug": slug})
        except NoReverseMatch:
            with pytest.raises(NoReverseMatch):
                article_url(slug)
            return
        assert article_url(slug) == expected
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("query", ["q=report", "q=report&sort=newest", "q=report&country=MX", ""])
def test_a_page_past_the_end_shows_the_last_page_with_a_notice(db, search_index, settings, query):
    """With and without filters and sorts (without them the page's query is the text query
    itself): the last page's hits, the whole count, and a notice, on every engine."""
    settings.SEARCH_RESULTS_PER_PAGE = 4
    for n in range(10):
        ArticleFactory(title=f"Report {n}", body=f"A report numbered {n}.", countries=["MX"])
    index_everything()
    last = search(f"{query}&page=3")
    assert (last.total, last.page, last.pages, len(last.hits)) == (10, 3, 3, 2)
    past = search(f"{query}&page=7")
    assert (past.total, past.page, past.pages) == (10, 3, 3)
    assert [hit.slug for hit in past.hits] == [hit.slug for hit in last.hits]
    assert any("only 3 pages" in notice for notice in past.notices)
