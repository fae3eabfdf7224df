"""Stored addresses are checked again before they become links: only http(s) is linked."""

import csv
import io

import pytest

from articles.models import Article
from articles.safe_links import safe_link
from tests.conftest import index_everything
from tests.factories import ArticleFactory

UNSAFE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "https:javascript:alert(1)",
]
SAFE_URL = "https://news.example.org/2011/03/zetas?ref=archive"


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_an_address_that_is_not_http_is_not_a_link(url):
    assert safe_link(url) is None


@pytest.mark.parametrize("url", [SAFE_URL, "http://example.org/", "HTTPS://EXAMPLE.ORG/a"])
def test_an_http_address_is_a_link(url):
    assert safe_link(url) == url


def stored_with_url(slug: str, url: str) -> Article:
    """An article whose URL was written straight to the database, past every validation."""
    article = ArticleFactory(slug=slug, title=f"Zetas story {slug}", body="The Zetas were warned.")
    Article.objects.filter(pk=article.pk).update(url=url)
    return article


@pytest.mark.django_db
@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_the_article_page_does_not_link_a_stored_unsafe_address(client, url):
    stored_with_url("unsafe", url)
    html = client.get("/articles/unsafe/").content.decode()
    assert "Original article" not in html
    assert "javascript:" not in html.lower() and "data:text" not in html and "script:" not in html.lower()


@pytest.mark.django_db
def test_the_article_page_links_a_stored_http_address(client):
    stored_with_url("safe", SAFE_URL)
    html = client.get("/articles/safe/").content.decode()
    assert 'href="https://news.example.org/2011/03/zetas?ref=archive"' in html and "Original article" in html


@pytest.fixture
def unsafe_and_safe(db, search_index):
    stored_with_url("script", "javascript:alert(1)")
    stored_with_url("data", "data:text/html,<script>alert(1)</script>")
    stored_with_url("safe", SAFE_URL)
    index_everything()


def test_the_api_gives_no_source_url_for_a_stored_unsafe_address(client, unsafe_and_safe):
    results = client.get("/api/search", {"q": "Zetas"}).json()["results"]
    assert {hit["slug"]: hit["source_url"] for hit in results} == {"script": None, "data": None, "safe": SAFE_URL}


def test_the_csv_gives_no_source_url_for_a_stored_unsafe_address(client, unsafe_and_safe):
    response = client.get("/search.csv", {"q": "Zetas"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["slug"]: row["source_url"] for row in rows} == {"script": "", "data": "", "safe": SAFE_URL}
