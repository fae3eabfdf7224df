"""Issue 11, properties: every reader, driven with arbitrary records beside good ones, imports without a
traceback, answers for every record (imported or rejected), and imports every good record exactly once."""

import html
import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape as xml_escape

import pytest
from hypothesis import HealthCheck, given, settings
from django.test import override_settings
from haystack import connections
from hypothesis import strategies as st

from articles.importing.records import read_paths
from articles.importing.service import articles_import
from articles.models import Article

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Any code point, surrogates and control characters included.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
zones = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))
any_moment = st.one_of(
    st.datetimes(timezones=zones),  # the ends of years 1 and 9999 with an offset among them
    st.datetimes(min_value=datetime(9999, 12, 31), timezones=zones),
    st.datetimes(max_value=datetime(1, 1, 2), timezones=zones),
    st.datetimes(),  # no zone
)
any_date = st.one_of(any_moment.map(datetime.isoformat), any_text, st.just("2999-01-01"), st.none())
any_url = st.one_of(st.none(), any_text, st.sampled_from(["javascript:alert(1)", "data:,x", "ftp://example.org/", "https://example.org/ok"]))
good_numbers = st.lists(st.integers(0, 10**6), unique=True, max_size=6)


def good_title(run: str, number: int) -> str:
    return f"Good record {run} {number}"


def imported_titles(run: str) -> list[str]:
    return list(Article.objects.filter(title__startswith=f"Good record {run} ").values_list("title", flat=True))


def check_import(paths, run: str, good: list[int], answered: int | None = None):
    """Import into an empty archive and a fresh index; every record answered for, every good one in
    the database exactly once."""
    Article.objects.all().delete()
    connections.connections_info["default"]["PATH"] = tempfile.mkdtemp(prefix="whoosh-", dir=paths[0].parent)
    connections.reload("default")
    summary = articles_import(read_paths(paths), batch_size=3)
    if answered is not None:
        assert summary.imported + len(summary.rejected) == answered
    assert sorted(imported_titles(run)) == sorted(good_title(run, number) for number in good)
    return summary


def as_char_references(text: str) -> str:
    """Text for XML or HTML: escaped, and the characters no UTF-8 file can hold written as references."""
    return "".join(f"&#x{ord(char):X};" if 0xD800 <= ord(char) <= 0xDFFF else char for char in xml_escape(text))


any_record = st.fixed_dictionaries(
    {},
    optional={
        "title": st.one_of(any_text, st.integers(), st.lists(any_text, max_size=2)),
        "body": st.one_of(any_text, st.text(max_size=3).map(lambda text: text * 200)),
        "published_at": any_date,
        "url": any_url,
        "source": any_text,
        "byline": any_text,
        "summary": any_text,
        "dateline": any_text,
        "countries": st.one_of(st.none(), any_text, st.lists(st.one_of(any_text, st.sampled_from(["MX", "us", "XX"])), max_size=3)),
        "organisations": st.one_of(st.none(), st.lists(st.one_of(any_text, st.just("x" * 250)), max_size=3)),
        "operations": st.one_of(st.none(), st.lists(any_text, max_size=2)),
    },
)


@EXAMPLES
@given(records=st.lists(st.one_of(any_record, any_text.map(lambda text: "raw:" + text)), max_size=8), good=good_numbers, data=st.data())
def test_jsonl_with_arbitrary_records(tmp_path_factory, search_index, records, good, data):
    path = tmp_path_factory.mktemp("jsonl") / "dump.jsonl"
    lines = [json.dumps(record) if isinstance(record, dict) else record[4:].replace("\n", " ").replace("\r", " ") for record in records]
    for number in good:
        position = data.draw(st.integers(0, len(lines)))
        lines.insert(position, json.dumps({"title": good_title("J", number), "body": "Text.", "published_at": "2011-03-04T10:00:00Z",
                                           "url": f"https://example.org/good/{number}"}))  # fmt: skip
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
    non_blank = sum(1 for line in path.read_bytes().split(b"\n") if line.strip())

    check_import([path], "J", good, answered=non_blank or 1)


def rss_item(title: str, body: str, link: str | None, date: str | None) -> str:
    link_element = f"<link>{as_char_references(link)}</link>" if link is not None else ""
    date_element = f"<pubDate>{as_char_references(date)}</pubDate>" if date is not None else ""
    return f"<item><title>{as_char_references(title)}</title>{link_element}<description>{as_char_references(body)}</description>{date_element}</item>"


@EXAMPLES
@given(
    entries=st.lists(st.tuples(any_text, any_text, any_url, any_date), max_size=6),
    good=good_numbers,
    streamed=st.booleans(),
    data=st.data(),
)
def test_feeds_with_arbitrary_entries(tmp_path_factory, search_index, entries, good, streamed, data):
    """Read whole by feedparser, or streamed entry by entry as a feed over IMPORT_MAX_FILE_BYTES is."""
    path = tmp_path_factory.mktemp("feed") / "wire.rss"
    items = [rss_item(*entry) for entry in entries]
    for number in good:
        position = data.draw(st.integers(0, len(items)))
        items.insert(position, rss_item(good_title("F", number), "Text.", f"https://example.org/good/{number}", "Fri, 04 Mar 2011 10:00:00 GMT"))
    document = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>{"".join(items)}</channel></rss>'
    path.write_bytes(document.encode("utf-8", "surrogatepass"))

    with override_settings(IMPORT_MAX_FILE_BYTES=600 if streamed else 50 * 1024 * 1024):
        check_import([path], "F", good)


PAGE = """<!DOCTYPE html><html><head><title>{title}</title>{date}</head>
<body><article><h1>{title}</h1><p>{body}</p><p>The ministry said the site was restored after three hours.</p></article></body></html>"""


def html_page(title: str, body: str, date: str | None) -> str:
    meta = f'<meta property="article:published_time" content="{html.escape(date)}">' if date is not None else ""
    return PAGE.format(title=as_char_references(title), body=as_char_references(body), date=as_char_references(meta))


@EXAMPLES
@given(
    pages=st.lists(st.one_of(st.tuples(any_text, any_text, any_date), st.binary(max_size=200)), max_size=4),
    good=st.lists(st.integers(0, 10**6), unique=True, max_size=3),
)
def test_web_pages_with_arbitrary_content(tmp_path_factory, search_index, pages, good):
    folder = tmp_path_factory.mktemp("pages")
    for index, page in enumerate(pages):
        content = page if isinstance(page, bytes) else html_page(*page).encode("utf-8", "surrogatepass")
        (folder / f"any-{index}.html").write_bytes(content)
    for number in good:
        body = f"A group calling itself Anonymous defaced the website of ministry number {number} on Friday, officials said."
        (folder / f"good-{number}.html").write_text(html_page(good_title("H", number), body, "2011-03-04T11:15:00+01:00"), encoding="utf-8")

    check_import([folder], "H", good, answered=len(pages) + len(good))


@EXAMPLES
@given(
    texts=st.lists(st.one_of(st.tuples(any_text, any_date, any_text), st.binary(max_size=200)), max_size=5),
    good=good_numbers,
)
def test_text_files_with_arbitrary_content(tmp_path_factory, search_index, texts, good):
    folder = tmp_path_factory.mktemp("texts")
    for index, text in enumerate(texts):
        if isinstance(text, tuple):
            title, date, body = text
            text = f"{title}\nDate: {date}\n\n{body}".encode("utf-8", "surrogatepass")
        (folder / f"any-{index}.txt").write_bytes(text)
    for number in good:
        (folder / f"good-{number}.txt").write_text(f"{good_title('T', number)}\nDate: 2011-03-04\n\nText {number}.\n", encoding="utf-8")

    check_import([folder], "T", good, answered=len(texts) + len(good))

