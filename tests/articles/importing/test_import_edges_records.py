"""Issue 11, bad records: each is one rejection naming its place and reason, in every reader; the rest go in."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from articles.importing.records import ArticleRecord, RejectedRecord, article_record, read_paths

GOOD = {"title": "Good story", "body": "Text.", "published_at": "2011-03-04T10:00:00Z"}
RSS_ITEM = "<item><title>{title}</title><link>{link}</link><description>{body}</description><pubDate>{date}</pubDate></item>"


def write_jsonl(path, *rows):
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows), encoding="utf-8")
    return path


def write_rss(path, *items):
    body = "".join(RSS_ITEM.format(**({"title": "T", "link": "https://example.org/x", "body": "B", "date": "Fri, 04 Mar 2011 10:00:00 GMT"} | item)) for item in items)
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{body}</channel></rss>', encoding="utf-8")
    return path


def reasons(results):
    return [(result.location, result.reason) for result in results if isinstance(result, RejectedRecord)]


def titles(results):
    return [result.title for result in results if isinstance(result, ArticleRecord)]


@pytest.mark.parametrize("field", ["title", "body", "url", "source", "byline", "summary", "dateline", "published_at"])
def test_an_unpaired_surrogate_in_any_jsonl_field_is_one_rejection_and_the_next_line_goes_in(tmp_path, field):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(GOOD | {field: "caf\\ud800e"}).replace("\\\\ud800", "\\ud800") + "\n" + json.dumps(GOOD | {"title": "Next"}) + "\n")

    results = list(read_paths([path]))

    assert reasons(results) == [(f"{path}:1", f"'{field}' is not valid Unicode: unpaired surrogate U+D800 at character 4")]
    assert titles(results) == ["Next"]


def test_an_unpaired_surrogate_in_a_tag_name_is_rejected(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"title": "T", "published_at": "2011-03-04", "organisations": ["\\udc00x"]}\n')

    assert reasons(read_paths([path])) == [(f"{path}:1", "'a name in 'organisations'' is not valid Unicode: unpaired surrogate U+DC00 at character 1")]


def test_a_character_reference_to_a_surrogate_in_a_feed_rejects_the_entry_not_the_feed(tmp_path):
    path = write_rss(tmp_path / "wire.xml", {"title": "Bad &#xD800; one"}, {"title": "Good one", "link": "https://example.org/2"})

    results = list(read_paths([path]))

    assert reasons(results) == [(f"{path}#entry1", "'title' holds a character reference to U+D800, which is no valid character")]
    assert titles(results) == ["Good one"]


@pytest.mark.parametrize(
    "date, reason",
    [
        ("9999-12-31T23:00:00-05:00", "date 9999-12-31T23:00:00-05:00 is out of range once converted to UTC"),
        ("0001-01-01T00:00:00+05:00", "date 0001-01-01T00:00:00+05:00 is out of range once converted to UTC"),
        ("2999-01-01", "date 2999-01-01 00:00 UTC is more than a day in the future"),
    ],
)
def test_dates_out_of_range_or_far_ahead_are_rejected_in_jsonl_and_text(tmp_path, date, reason):
    jsonl = write_jsonl(tmp_path / "a.jsonl", GOOD | {"published_at": date}, GOOD | {"title": "Next"})
    text = tmp_path / "b.txt"
    text.write_text(f"Title\nDate: {date}\n\nBody.\n", encoding="utf-8")

    results = list(read_paths([jsonl, text]))

    assert reasons(results) == [(f"{jsonl}:1", reason), (str(text), reason)]
    assert titles(results) == ["Next"]


@pytest.mark.parametrize(
    "date, reason",
    [
        ("9999-12-31T23:00:00-05:00", "date 9999-12-31T23:00:00-05:00 is out of range once converted to UTC"),
        ("0001-01-01T00:00:00+05:00", "date 0001-01-01T00:00:00+05:00 is out of range once converted to UTC"),
        ("2999-01-01T00:00:00Z", "date 2999-01-01 00:00 UTC is more than a day in the future"),
    ],
)
def test_dates_out_of_range_or_far_ahead_are_rejected_in_feeds(tmp_path, date, reason):
    path = tmp_path / "wire.atom"
    path.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>W</title>'
        f'<entry><title>A</title><link href="https://example.org/a"/><updated>{date}</updated></entry>'
        '<entry><title>B</title><link href="https://example.org/b"/><updated>2011-03-04T10:00:00Z</updated></entry></feed>',
        encoding="utf-8",
    )

    results = list(read_paths([path]))

    assert reasons(results) == [(f"{path}#entry1", reason)]
    assert titles(results) == ["B"]


def test_a_date_within_a_day_ahead_is_accepted_and_one_beyond_is_not():
    now = datetime.now(UTC)

    assert isinstance(article_record("x:1", title="T", body="", published_at=now + timedelta(hours=23)), ArticleRecord)
    assert article_record("x:1", title="T", body="", published_at=now + timedelta(days=1, hours=1)).kind == "date in the future"


def test_a_date_without_zone_is_taken_as_utc_and_says_so():
    naive = article_record("x:1", title="T", body="", published_at="2011-03-04 10:00")
    zoned = article_record("x:1", title="T", body="", published_at="2011-03-04T10:00:00+01:00")

    assert (naive.published_at, naive.date_zone_assumed) == (datetime(2011, 3, 4, 10, tzinfo=UTC), True)
    assert (zoned.published_at, zoned.date_zone_assumed) == (datetime(2011, 3, 4, 9, tzinfo=UTC), False)


@pytest.mark.parametrize("field, limit", [("title", 500), ("byline", 300), ("source", 200), ("dateline", 200)])
def test_a_value_longer_than_its_field_is_rejected_not_cut(field, limit):
    fits = article_record("x:1", **({"title": "T", "body": "", "published_at": "2011-03-04"} | {field: "a" * limit}))
    over = article_record("x:1", **({"title": "T", "body": "", "published_at": "2011-03-04"} | {field: "a" * (limit + 1)}))

    assert getattr(fits, field) == "a" * limit
    assert over == RejectedRecord("x:1", f"'{field}' is {limit + 1:,} characters, over the {limit:,} allowed: '{'a' * 79}…'")


def test_a_url_longer_than_its_field_is_rejected():
    record = article_record("x:1", title="T", body="", published_at="2011-03-04", url="https://example.org/" + "a" * 1000)

    assert record.reason == "'url' is 1,020 characters, over the 1,000 allowed: " + repr("https://example.org/" + "a" * 59 + "…")


def test_a_body_or_summary_over_the_limit_is_rejected_with_its_size(settings):
    settings.ARTICLE_MAX_BODY_CHARS = 1000

    assert article_record("x:1", title="T", body="b" * 1000, published_at="2011-03-04").body == "b" * 1000
    assert article_record("x:1", title="T", body="b" * 1001, published_at="2011-03-04").reason == (
        "'body' is 1,001 characters, over the 1,000 allowed (ARTICLE_MAX_BODY_CHARS)"
    )
    assert article_record("x:1", title="T", body="", summary="s" * 5000, published_at="2011-03-04").reason == (
        "'summary' is 5,000 characters, over the 1,000 allowed (ARTICLE_MAX_BODY_CHARS)"
    )


def test_the_body_limit_defaults_to_half_a_million_characters(settings):
    assert settings.ARTICLE_MAX_BODY_CHARS == 500_000
    assert settings.IMPORT_MAX_FILE_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize(
    "url, reason",
    [
        ("javascript:alert(1)", "'url': 'javascript:alert(1)' is not an http or https URL"),
        ("JavaScript:alert(1)", "'url': 'JavaScript:alert(1)' is not an http or https URL"),
        ("java\x00script:alert(1)", "'url': 'javascript:alert(1)' is not an http or https URL"),
        ("data:text/html,<script>alert(1)</script>", "'url': 'data:text/html,<script>alert(1)</script>' is not an http or https URL"),
        ("ftp://example.org/a", "'url': 'ftp://example.org/a' is not an http or https URL"),
        ("example.org/a", "'url': 'example.org/a' is not an http or https URL"),
        ("https://exa mple.org/", "'url': 'https://exa mple.org/' is not a valid URL"),
    ],
)
def test_only_http_and_https_urls_are_accepted(url, reason):
    assert article_record("x:1", title="T", body="", published_at="2011-03-04", url=url).reason == reason


def test_http_and_https_urls_go_in():
    for url in ("http://example.org/a", "https://example.org/a?b=c#d"):
        assert article_record("x:1", title="T", body="", published_at="2011-03-04", url=url).url == url


def test_a_javascript_link_in_a_feed_rejects_the_entry(tmp_path):
    path = write_rss(tmp_path / "wire.xml", {"link": "javascript:alert(document.cookie)"}, {"title": "Fine", "link": "https://example.org/f"})

    results = list(read_paths([path]))

    assert reasons(results) == [(f"{path}#entry1", "'url': 'javascript:alert(document.cookie)' is not an http or https URL")]
    assert titles(results) == ["Fine"]


def test_an_atom_id_that_is_no_link_is_not_taken_for_one(tmp_path):
    path = tmp_path / "wire.atom"
    path.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>W</title>'
        "<entry><title>A</title><id>urn:uuid:1</id><updated>2011-03-04T10:00:00Z</updated></entry></feed>",
        encoding="utf-8",
    )

    [record] = read_paths([path])

    assert (record.title, record.url) == ("A", None)


def test_an_organisation_name_over_the_field_length_is_refused_not_cut():
    long_name = "Anonymous " + "x" * 195

    record = article_record("x:1", title="T", body="", published_at="2011-03-04", organisations=[long_name])

    assert record.kind == "name too long"
    assert record.reason == f"organisation name is 205 characters, over the 200 a name may be (it would have to be cut): '{long_name[:79]}…'"
    assert article_record("x:1", title="T", body="", published_at="2011-03-04", operations=["Op " + "y" * 197]).organisations is None


def test_a_wrong_type_names_its_json_type_with_the_right_article(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", GOOD | {"title": ["A"]}, GOOD | {"body": {"a": 1}}, GOOD | {"url": 3}, GOOD | {"source": True})

    assert [reason for _, reason in reasons(read_paths([path]))] == [
        "'title' must be a string, not an array",
        "'body' must be a string, not an object",
        "'url' must be a string, not a number",
        "'source' must be a string, not a boolean",
    ]


@pytest.mark.parametrize("streamed", [False, True])
def test_a_feed_that_declares_entities_is_refused_whole(tmp_path, settings, streamed):
    if streamed:
        settings.IMPORT_MAX_FILE_BYTES = 100
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        '<rss version="2.0"><channel><title>W</title><item><title>&lol2;</title><link>https://example.org/a</link>'
        "<pubDate>Fri, 04 Mar 2011 10:00:00 GMT</pubDate></item></channel></rss>",
        encoding="utf-8",
    )

    assert reasons(read_paths([path])) == [
        (str(path), "the feed declares its own XML entities (<!ENTITY>), which feeds do not use and XML bombs do: not read")
    ]


def test_an_undefined_entity_left_as_text_rejects_its_entry(tmp_path):
    path = write_rss(tmp_path / "wire.xml", {"title": "Laughs &lol9; here"}, {"title": "Caf&eacute; &amp; bar", "link": "https://example.org/2"})

    results = list(read_paths([path]))

    assert reasons(results) == [(f"{path}#entry1", "'title' holds the undefined entity reference '&lol9;', left as text by the broken feed")]
    assert titles(results) == ["Café & bar"]


def test_control_characters_are_removed_from_every_field(tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        {"title": "Ha\x07ck", "body": "B\x00o\x1bdy", "published_at": "2011-03-04", "source": "Wi\x7fre", "byline": "J\x9bD",
         "summary": "S\x0cum", "dateline": "T\x01UNIS", "url": "https://example.org/\x08a", "organisations": ["An\x00on"]},
    )  # fmt: skip

    [record] = read_paths([path])

    assert (record.title, record.body, record.source, record.byline, record.summary, record.dateline, record.url, record.organisations) == (
        "Hack", "Body", "Wire", "JD", "Sum", "TUNIS", "https://example.org/a", ("Anon",)
    )  # fmt: skip


def test_a_record_that_is_only_control_characters_is_empty():
    assert article_record("x:1", title="\x00\x01", body="\x7f", published_at="2011-03-04").reason == "neither title nor text"


def test_a_web_page_dated_far_ahead_is_rejected_as_such(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        '<!DOCTYPE html><html><head><title>Ahead</title><meta property="article:published_time" content="2999-01-01T00:00:00+00:00">'
        "</head><body><article><h1>Ahead</h1><p>A group calling itself Anonymous defaced the website of the finance ministry on "
        "Friday, officials said.</p></article></body></html>",
        encoding="utf-8",
    )

    assert reasons(read_paths([path])) == [(str(path), "date 2999-01-01 00:00 UTC is more than a day in the future")]
