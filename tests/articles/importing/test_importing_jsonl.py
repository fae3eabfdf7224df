"""JSON Lines: one record or rejection per line, located by line number."""

import json
import tracemalloc
from datetime import UTC, datetime

from articles.importing.records import ArticleRecord, RejectedRecord, read_paths


def write_lines(path, *lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_valid_line_with_every_field_and_tags(tmp_path):
    path = write_lines(
        tmp_path / "a.jsonl",
        {
            "title": "Anonymous hits ministry",
            "body": "Text.",
            "published_at": "2011-03-04T10:00:00Z",
            "url": "https://example.org/a",
            "source": "Wire",
            "byline": "Jane Doe",
            "summary": "Short.",
            "dateline": "TUNIS, March 4",
            "countries": ["TN"],
            "organisations": ["Anonymous"],
            "operations": ["Operation Tunisia"],
            "topics": ["ignored"],
        },
    )

    assert list(read_paths([path])) == [
        ArticleRecord(
            title="Anonymous hits ministry",
            body="Text.",
            published_at=datetime(2011, 3, 4, 10, tzinfo=UTC),
            location=f"{path}:1",
            url="https://example.org/a",
            source="Wire",
            byline="Jane Doe",
            summary="Short.",
            dateline="TUNIS, March 4",
            countries=("TN",),
            organisations=("Anonymous",),
            operations=("Operation Tunisia",),
        )
    ]


def test_missing_tags_are_not_given_and_empty_lists_are_given_as_none(tmp_path):
    path = write_lines(
        tmp_path / "a.ndjson",
        {"title": "A", "published_at": "2011-03-04"},
        {"title": "B", "published_at": "2011-03-04", "countries": [], "organisations": None},
    )

    first, second = read_paths([path])

    assert (first.countries, first.organisations, first.operations) == (None, None, None)
    assert (second.countries, second.organisations) == ((), None)


def test_invalid_json_is_rejected_with_its_line_number_and_reading_goes_on(tmp_path):
    path = write_lines(tmp_path / "a.jsonl", {"title": "A", "published_at": "2011-03-04"}, '{"title": "B" "body": 1}', "[1, 2]")

    results = list(read_paths([path]))

    assert results[1] == RejectedRecord(f"{path}:2", "invalid JSON: Expecting ',' delimiter (col 15)")
    assert results[2] == RejectedRecord(f"{path}:3", "a JSON array is not an article object")


def test_blank_lines_are_skipped_but_still_counted_for_line_numbers(tmp_path):
    path = write_lines(tmp_path / "a.jsonl", "", {"title": "A"})

    assert list(read_paths([path])) == [RejectedRecord(f"{path}:2", "no publication date")]


def test_missing_title_and_body_bad_date_and_headline_only(tmp_path):
    path = write_lines(
        tmp_path / "a.jsonl",
        {"title": "", "body": "", "published_at": "2011-03-04"},
        {"title": "A", "published_at": "31/31/2011"},
        {"title": "HEADLINE ONLY", "body": "", "published_at": "2011-03-04"},
    )

    missing, bad_date, headline = read_paths([path])

    assert missing == RejectedRecord(f"{path}:1", "neither title nor text")
    assert bad_date == RejectedRecord(f"{path}:2", "date '31/31/2011' cannot be parsed")
    assert isinstance(headline, ArticleRecord) and headline.title == "HEADLINE ONLY"


def test_fields_of_the_wrong_type_are_rejected(tmp_path):
    path = write_lines(
        tmp_path / "a.jsonl",
        {"title": 12, "published_at": "2011-03-04"},
        {"title": "A", "published_at": "2011-03-04", "countries": "US"},
    )

    assert [result.reason for result in read_paths([path])] == [
        "'title' must be a string, not a number",
        "'countries' must be a list of strings",
    ]


def test_undecodable_line_is_rejected_and_the_next_line_read(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"title": "caf\xe9", "published_at": "2011-03-04"}\n{"title": "ok", "published_at": "2011-03-04"}\n')

    bad, good = read_paths([path])

    assert bad == RejectedRecord(f"{path}:1", "not UTF-8: byte 0xe9 at col 15")
    assert good.title == "ok"


def test_a_long_file_streams_in_memory_that_does_not_grow_with_it(tmp_path):
    path = tmp_path / "big.jsonl"
    line = json.dumps({"title": "T", "body": "x" * 50, "published_at": "2011-03-04"}) + "\n"
    path.write_text(line * 20_000, encoding="utf-8")

    read_paths([])  # loads the readers, and trafilatura with them, before memory is measured
    tracemalloc.start()
    count = sum(1 for _ in read_paths([path]))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert count == 20_000
    assert peak < path.stat().st_size / 10
