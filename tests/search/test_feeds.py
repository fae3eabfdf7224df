"""The Atom feed of a search: valid, newest first, linked from the page, cheap to poll."""

from datetime import datetime, timedelta, timezone

import feedparser
import pytest

from articles.models import Article
from tests.conftest import index_everything
from tests.factories import ArticleFactory, OrganisationFactory
from django.utils.html import escape

from tests.conftest import marked


def parse(response):
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def test_feed_of_a_search_is_valid_atom_newest_first(client, small_archive):
    response = client.get("/search.atom", {"organisation": "anonymous", "sort": "oldest", "page": "2"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = parse(response)
    assert feed.version == "atom10"
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver/articles/{slug}/" for slug in ("a3", "a2", "a1", "a6")
    ]
    assert "Organisation: Anonymous" in feed.feed.title
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == "http://testserver/search.atom?organisation=anonymous&sort=newest"
    assert links["alternate"] == "http://testserver/?organisation=anonymous&sort=newest"


def test_feed_entries_have_id_dates_summary_and_tags(client, small_archive):
    response = client.get("/search.atom?q=arrests")
    assert escape(marked("arrested")).encode() in response.content  # an escaped HTML summary
    entries = parse(response).entries
    entry = next(entry for entry in entries if entry.link.endswith("/a3/"))
    assert entry.id == "http://testserver/articles/a3/"
    assert entry.title == "Interpol arrests 25 suspects"
    assert entry.published.startswith("2012-02-28")
    assert entry.updated
    assert "arrested" in entry.summary
    assert {tag.term for tag in entry.tags} >= {"Spain", "Chile", "Anonymous", "Interpol", "Operation Unmask"}


def test_feed_holds_the_newest_fifty(client, db, search_index):
    start = datetime(2011, 1, 1, tzinfo=timezone.utc)
    for n in range(55):
        ArticleFactory(title=f"Numbered story {n}", published_at=start + timedelta(days=n))
    index_everything()
    entries = parse(client.get("/search.atom")).entries
    assert len(entries) == 50
    assert entries[0].title == "Numbered story 54" and entries[-1].title == "Numbered story 5"


def test_feed_of_an_empty_search_is_valid(client, small_archive):
    feed = parse(client.get("/search.atom?q=nothingmatchesthis"))
    assert feed.entries == []


def test_if_none_match_with_the_etag_answers_304(client, small_archive):
    first = client.get("/search.atom?country=MX")
    assert first["ETag"] and first["Last-Modified"]
    again = client.get("/search.atom?country=MX", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_if_modified_since_answers_304(client, small_archive):
    first = client.get("/search.atom?country=MX")
    again = client.get("/search.atom?country=MX", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_etag_differs_between_searches_and_after_a_change(client, small_archive):
    mexico = client.get("/search.atom?country=MX")["ETag"]
    assert client.get("/search.atom?country=US")["ETag"] != mexico
    article = Article.objects.get(slug="a2")
    article.organisations.add(OrganisationFactory(name="Sedena"))
    index_everything()
    changed = client.get("/search.atom?country=MX", HTTP_IF_NONE_MATCH=mexico)
    assert changed.status_code == 200
    assert changed["ETag"] != mexico


def test_html_and_control_characters_in_titles_are_escaped(client, db, search_index):
    ArticleFactory(title="<script>alert(1)</script> & \x0bfriends", slug="evil", body="Markup in the title.")
    index_everything()
    response = client.get("/search.atom")
    assert b"<script>" not in response.content
    assert b"&lt;script&gt;" in response.content
    assert parse(response).entries[0].title == "<script>alert(1)</script> &  friends"


@pytest.mark.parametrize("query", ["country=MX&from=2011", "q=cartel&organisation=anonymous"])
def test_results_page_links_its_feed(client, small_archive, query):
    html = client.get(f"/?{query}&page=1&sort=oldest").content.decode()
    feed_url = f"/search.atom?{query.replace('&', '&amp;')}&amp;sort=oldest"
    assert f'<link rel="alternate" type="application/atom+xml" title="This search as an Atom feed" href="{feed_url}">' in html
    assert f'<a href="{feed_url}" type="application/atom+xml">Atom feed</a>' in html
