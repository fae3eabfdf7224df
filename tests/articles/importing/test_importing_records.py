"""The rules every reader shares: cleaning, title or text, and a date that parses."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from articles.importing.dates import parse_published_at
from articles.importing.records import ArticleRecord, RejectedRecord, article_record

MARCH_4 = datetime(2011, 3, 4, tzinfo=UTC)


def test_control_characters_and_carriage_returns_are_cleaned():
    record = article_record("x:1", title=" Hack\x00ers\r\n deface\x1b site ", body="One\r\nTwo\rThree\x07\x85", published_at=MARCH_4)

    assert record.title == "Hackers deface site"
    assert record.body == "One\nTwo\nThree"


def test_headline_without_body_is_an_article():
    record = article_record("x:1", title="MARKETS CLOSED", body="", published_at=MARCH_4)

    assert isinstance(record, ArticleRecord)
    assert record.body == ""


def test_blank_title_and_body_are_rejected():
    assert article_record("x:1", title=" \x00 ", body="\r\n", published_at=MARCH_4) == RejectedRecord("x:1", "neither title nor text")


def test_missing_date_is_rejected():
    assert article_record("x:1", title="T", body="", published_at=None) == RejectedRecord("x:1", "no publication date")


def test_unparseable_date_is_rejected_with_the_date_in_the_reason():
    assert article_record("x:1", title="T", body="", published_at="31/31/2011").reason == "date '31/31/2011' cannot be parsed"


def test_dates_are_utc_and_a_date_without_zone_is_taken_as_utc():
    paris = datetime(2011, 3, 4, 11, 0, tzinfo=timezone(timedelta(hours=1)))

    assert article_record("x:1", title="T", body="", published_at=paris).published_at == datetime(2011, 3, 4, 10, 0, tzinfo=UTC)
    assert article_record("x:1", title="T", body="", published_at=datetime(2011, 3, 4)).published_at == MARCH_4


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2011-03-04", MARCH_4),
        ("2011-03-04T10:00:00Z", MARCH_4.replace(hour=10)),
        ("2011-03-04T11:00:00+01:00", MARCH_4.replace(hour=10)),
        ("Fri, 04 Mar 2011 10:00:00 GMT", MARCH_4.replace(hour=10)),
        ("March 4, 2011", MARCH_4),
    ],
)
def test_published_at_accepts_iso_rfc_2822_and_written_dates(text, expected):
    assert parse_published_at(text) == expected


@pytest.mark.parametrize("text", ["2011", "March 2011", "31/31/2011", "yesterday", ""])
def test_published_at_refuses_to_guess_a_missing_day_month_or_year(text):
    with pytest.raises(ValueError, match="cannot be parsed"):
        parse_published_at(text)


def test_tags_are_cleaned_and_deduplicated_and_none_stays_not_given():
    record = article_record(
        "x:1", title="T", body="", published_at=MARCH_4, countries=["us", "US ", ""], organisations=["Anonymous", "Anonymous"]
    )

    assert record.countries == ("US",)
    assert record.organisations == ("Anonymous",)
    assert record.operations is None
