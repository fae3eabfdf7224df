"""Publication dates from the forms that imported files give them in, always timezone-aware.

A date without a time zone is taken to be UTC (the Reuters corpus gives none); the import says how
many it took so.
"""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

# Two defaults that differ in every field: a date that parses the same under both named them all.
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC; a moment without a zone is taken to be UTC already.

    Raises ValueError for a moment its offset pushes out of Python's range (year 9999 at -05:00).
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"date {moment.isoformat()} is out of range once converted to UTC") from None


def parse_date(value: str) -> datetime:
    """The date as written, with its zone if it names one: ISO 8601 (date-only and ``Z`` too),
    RFC 2822 as in feeds, or a date that names year, month and day.

    Raises ValueError rather than guess: "2011" or "31/31/2011" is no date to file an article under.
    """
    text = value.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    try:
        first, second = (dateutil_parser.parse(text, default=default) for default in _DEFAULTS)
    except (ValueError, OverflowError) as error:
        raise ValueError(f"date {value!r} cannot be parsed") from error
    if first.date() != second.date():
        raise ValueError(f"date {value!r} cannot be parsed")
    return first


def parse_published_at(value: str) -> datetime:
    """The date ``parse_date`` reads, in UTC."""
    return as_utc(parse_date(value))
