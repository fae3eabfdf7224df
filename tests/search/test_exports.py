"""The CSV export: the whole result set, streamed, with tags as columns and no formulas."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from search.exports import safe_cell
from tests.conftest import index_everything
from tests.factories import ArticleFactory


def rows(response):
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_every_row_of_a_multi_page_result(client, db, search_index, settings):
    start = datetime(2011, 1, 1, tzinfo=timezone.utc)
    for n in range(45):
        ArticleFactory(title=f"Numbered story {n}", published_at=start + timedelta(days=n))
    index_everything()
    response = client.get("/search.csv?page=2")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="newsarchive-search.csv"'
    exported = rows(response)
    assert settings.SEARCH_RESULTS_PER_PAGE < len(exported) == 45
    assert len({row["slug"] for row in exported}) == 45
    assert exported[0]["title"] == "Numbered story 44"  # newest first, as the page sorts


def test_csv_columns_hold_tags_and_absolute_urls(client, small_archive):
    exported = rows(client.get("/search.csv?country=MX&sort=oldest"))
    assert list(exported[0]) == [
        "slug", "title", "published_at", "source", "url", "source_url", "language", "countries", "organisations",
        "operations",
    ]  # fmt: skip
    assert [row["slug"] for row in exported] == ["a1", "a2"]
    first = exported[0]
    assert first["url"] == "http://testserver/articles/a1/"
    assert first["published_at"] == "2011-03-10T00:00:00+00:00"
    assert first["language"] == "en"  # detected from the text
    assert first["countries"] == "MX;US"
    assert first["organisations"] == "anonymous;los-zetas"
    assert first["operations"] == "operation-cartel"


def test_csv_of_an_empty_search_has_the_header(client, small_archive):
    exported = client.get("/search.csv?q=nothingmatchesthis")
    assert b"".join(exported.streaming_content).decode().strip() == (
        "slug,title,published_at,source,url,source_url,language,countries,organisations,operations"
    )


def test_csv_cells_cannot_become_formulas_and_html_stays_text(client, db, search_index):
    ArticleFactory(title='=HYPERLINK("http://evil.example","click")', slug="formula", source="@SUM(A1)")
    ArticleFactory(title="<b>Bold</b> & plain", slug="markup", source="-2+3")
    index_everything()
    by_slug = {row["slug"]: row for row in rows(client.get("/search.csv"))}
    assert by_slug["formula"]["title"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert by_slug["formula"]["source"] == "'@SUM(A1)"
    assert by_slug["markup"]["title"] == "<b>Bold</b> & plain"
    assert by_slug["markup"]["source"] == "'-2+3"


@pytest.mark.parametrize(
    "value, expected",
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("a=b", "a=b"), (None, "")],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_results_page_links_the_csv_of_its_search(client, small_archive):
    html = client.get("/?country=MX&page=1").content.decode()
    assert 'href="/search.csv?country=MX" type="text/csv" download>CSV</a>' in html
