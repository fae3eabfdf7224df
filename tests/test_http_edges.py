"""HTTP as the site means it: long addresses, other methods, future dates.

Lengths are tested through real gunicorn with gunicorn.conf.py, since its limits decide what the
site ever sees; methods through Django's client with CSRF checks on, as a browser would meet them.
"""

import json
import re
import runpy
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import feedparser
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.conftest import index_everything
from tests.factories import ArticleFactory
from newsarchive.refusals import MAX_PATH_BYTES
from tests.servers import ROOT, gunicorn, manage, production_env

READ_ONLY_PATHS = [
    "/",
    "/?q=zetas",
    "/api/search?q=zetas",
    "/search.atom",
    "/search.csv",
    "/opensearch.xml",
    "/api/suggest?q=ze",
    "/articles/zetas-story/",
    "/countries/MX/",
    "/healthz",
]
REFUSED_METHODS = ["POST", "PUT", "PATCH", "DELETE", "TRACE"]
ALLOW = "GET, HEAD, OPTIONS"


@pytest.fixture
def archive(db, search_index):
    ArticleFactory(slug="zetas-story", title="The Zetas were warned", countries=["MX"])
    index_everything()


@pytest.fixture
def searches(monkeypatch):
    """Records every search the views run."""
    from search import views

    ran = []
    original = views.run_search
    monkeypatch.setattr(views, "run_search", lambda params: ran.append(params) or original(params))
    return ran


@pytest.mark.parametrize("path", READ_ONLY_PATHS)
def test_a_read_only_page_answers_get_and_head(archive, client, path):
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200


@pytest.mark.parametrize("path", READ_ONLY_PATHS)
def test_options_says_what_is_allowed_without_searching(archive, searches, path):
    response = Client(enforce_csrf_checks=True).options(path)
    assert response.status_code == 204 and response["Allow"] == ALLOW
    assert response.content == b"" and searches == []


@pytest.mark.parametrize("method", REFUSED_METHODS)
@pytest.mark.parametrize("path", READ_ONLY_PATHS)
def test_other_methods_are_not_allowed_and_never_search(archive, searches, path, method):
    response = Client(enforce_csrf_checks=True).generic(method, path, data="q=zetas", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 405 and response["Allow"] == ALLOW
    assert searches == []


def test_a_method_refused_on_the_api_is_explained_in_json(archive):
    response = Client(enforce_csrf_checks=True).delete("/api/search?q=zetas")
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"


def test_a_method_refused_on_a_page_is_explained_on_a_page(archive):
    response = Client(enforce_csrf_checks=True).put("/")
    assert response.status_code == 405 and "Method not allowed" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_the_admin_still_takes_posts(db):
    response = Client().post("/admin/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200  # the login form again, with its error


# Through gunicorn ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """gunicorn, configured by gunicorn.conf.py, serving an empty archive: its own SQLite
    database, even in the PostgreSQL run, whose database other server tests fill."""
    env = production_env(tmp_path_factory.mktemp("http-edges-data"))
    env.pop("DATABASE_URL", None)
    for args in (("migrate", "--noinput"), ("collectstatic", "--noinput")):
        manage(env, *args, check=True)
    with gunicorn(env, workers=1) as (base, _):
        yield base


def send(url: str, method: str = "GET", headers: dict | None = None):
    """(status, headers, body) of a request, whatever its status."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def query_of_bytes(size: int) -> str:
    """``q=`` and accented letters, ``size`` bytes as sent (each "é" is %C3%A9, 6 bytes)."""
    letters, rest = divmod(size - 2, 6)
    return "q=" + quote("é" * letters) + "x" * rest


def test_a_non_ascii_query_of_6_kb_is_searched_with_a_notice_that_it_was_cut(served):
    status, _, body = send(served + "/api/search?" + query_of_bytes(6002))
    assert status == 200
    data = json.loads(body)
    assert data["query"] == "é" * 500
    assert any("longer than 500 characters" in notice for notice in data["notices"])


@pytest.mark.parametrize("path", ["/api/search", "/"])
def test_the_longest_query_string_the_site_reads_is_answered(served, path):
    status, _, _ = send(f"{served}{path}?{query_of_bytes(8192)}")
    assert status == 200


@pytest.mark.parametrize("size", [8193, 20_000])
def test_a_longer_query_string_gets_the_sites_own_414_in_json_on_the_api(served, size):
    status, headers, body = send(f"{served}/api/search?{query_of_bytes(size)}")
    assert status == 414 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"] == "uri_too_long" and len(body) < 300


@pytest.mark.parametrize("size", [8193, 20_000])
def test_a_longer_query_string_gets_the_sites_own_414_page(served, size):
    status, headers, body = send(f"{served}/?{query_of_bytes(size)}")
    assert status == 414 and headers["Content-Type"].startswith("text/html")
    assert "Address too long" in body and "8,192" in body and 'href="/"' in body


def test_a_referer_as_long_as_the_longest_search_address_is_read(served):
    referer = f"{served}/?{query_of_bytes(8192)}"
    status, _, _ = send(served + "/api/search?q=zetas", headers={"Referer": referer})
    assert status == 200


@pytest.mark.parametrize("method", ["TRACE", "DELETE"])
def test_gunicorn_passes_other_methods_to_the_sites_405(served, method):
    status, headers, _ = send(served + "/api/search?q=zetas", method=method)
    assert status == 405 and headers["Allow"] == ALLOW


def test_gunicorn_passes_options_to_the_site(served):
    status, headers, body = send(served + "/?q=zetas", method="OPTIONS")
    assert status == 204 and headers["Allow"] == ALLOW and body == ""


# Future dates and long bodies ----------------------------------------------------------------


@pytest.fixture
def one_article_from_the_future(db, search_index):
    """An article dated 2999, last saved two hours ago, and one from 2011."""
    now = datetime.now(timezone.utc)
    ArticleFactory(slug="future", title="Zetas story from the future", published_at=datetime(2999, 1, 1, tzinfo=timezone.utc))
    ArticleFactory(slug="past", title="Zetas story of 2011", published_at=datetime(2011, 3, 10, tzinfo=timezone.utc))
    Article.objects.update(updated_at=now - timedelta(hours=2))
    index_everything()
    return now


def test_the_feed_is_never_updated_after_now(client, one_article_from_the_future):
    response = client.get("/search.atom", {"q": "zetas"})
    feed = feedparser.parse(response.content)
    now = datetime.now(timezone.utc)
    assert datetime(*feed.feed.updated_parsed[:6], tzinfo=timezone.utc) <= now
    assert parsedate_to_datetime(response["Last-Modified"]) <= now
    assert all(datetime(*entry.updated_parsed[:6], tzinfo=timezone.utc) <= now for entry in feed.entries)


def test_a_reader_polling_since_the_last_modified_date_sees_a_new_article(client, one_article_from_the_future):
    first = client.get("/search.atom", {"q": "zetas"})
    assert client.get("/search.atom", {"q": "zetas"}, headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304
    ArticleFactory(slug="new", title="Zetas story of today", published_at=one_article_from_the_future - timedelta(hours=1))
    Article.objects.filter(slug="new").update(updated_at=one_article_from_the_future - timedelta(hours=1))
    index_everything()
    polled = client.get("/search.atom", {"q": "zetas"}, headers={"If-Modified-Since": first["Last-Modified"]})
    assert polled.status_code == 200
    assert "http://testserver/articles/new/" in {entry.link for entry in feedparser.parse(polled.content).entries}


@pytest.fixture
def long_article(db, settings):
    settings.ARTICLE_MAX_BODY_CHARS = 1000
    return ArticleFactory(slug="long", title="A very long story", body="start " + "word " * 2000 + "THE-END")


def test_the_article_page_sends_a_stored_body_only_up_to_the_longest_body(client, long_article):
    html = client.get("/articles/long/").content.decode()
    assert "start word" in html and "THE-END" not in html
    assert "stored text is 10,013 characters long; the first 1,000 are shown" in html


def test_the_article_page_does_not_read_a_stored_body_whole(client, long_article):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/articles/long/").status_code == 200
    article_queries = [query["sql"] for query in queries.captured_queries if 'FROM "articles_article"' in query["sql"]]
    assert article_queries
    for sql in article_queries:  # the body appears only inside SUBSTR(…) and LENGTH(…)
        for found in re.finditer(r'"articles_article"\."body"', sql):
            assert sql[: found.start()].upper().endswith(("SUBSTR(", "SUBSTRING(", "LENGTH(")), sql


def test_a_short_article_is_shown_whole_without_a_notice(client, db):
    ArticleFactory(slug="short", body="A short body that ends here.")
    html = client.get("/articles/short/").content.decode()
    assert "A short body that ends here." in html and "characters long" not in html


def test_nginx_passes_what_gunicorn_and_the_site_read(settings):
    """nginx's header buffer holds the longest request line the site reads, and gunicorn takes
    header lines as long as that buffer, so no limit in front is shorter than the site's own."""
    nginx = (ROOT / "deploy" / "nginx-newsarchive.conf").read_text()
    count, size = re.search(r"^\s*large_client_header_buffers\s+(\d+)\s+(\d+)k;", nginx, re.MULTILINE).groups()
    buffer_bytes = int(size) * 1024
    gunicorn_conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    longest_line = len("OPTIONS ") + MAX_PATH_BYTES + len("?") + settings.MAX_QUERY_STRING_BYTES + len(" HTTP/1.1\r\n")
    assert buffer_bytes >= longest_line
    assert gunicorn_conf["limit_request_line"] == 0  # unbounded: gunicorn's bounded maximum is 8190
    assert gunicorn_conf["limit_request_field_size"] >= buffer_bytes


class RecordedBody(str):
    """A stored body that records how long it was when split into words."""

    splits: list[int] = []

    def split(self, *args, **kwargs):
        RecordedBody.splits.append(len(self))
        return super().split(*args, **kwargs)


def test_a_listing_snippet_reads_only_the_start_of_a_long_body():
    """Without a query, a hit's snippet is its body's first words: at 10 MB, splitting the whole
    body cost every listing, feed and CSV page holding it 0.5 s (15 ms with the start only)."""
    from types import SimpleNamespace

    from search.service import SNIPPET_WORDS, plain_snippet

    RecordedBody.splits = []
    body = RecordedBody("Zetas " + "word " * 2_000_000)
    snippet = plain_snippet(SimpleNamespace(summary="", text=body))
    assert RecordedBody.splits == []  # never split whole
    assert snippet.startswith("Zetas word") and snippet.endswith("…") and len(snippet.split()) == SNIPPET_WORDS
