"""What the readers hand to the import: an article ready to save, or the reason a piece of input was not one.

Every reader builds its articles through ``article_record``, so the rules are the same for every kind
of file: text is cleaned of control characters and ``\\r\\n``, an article needs a title or a body, and
a publication date that parses.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..tag_kinds import TAG_KINDS, field_per_tag_kind
from .dates import as_utc, parse_published_at

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?")
_WHITE_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
@field_per_tag_kind(tuple[str, ...] | None, default=None)
class ArticleRecord:
    """An article to import; its tags of each kind (``countries`` and so on) are None if not given."""

    title: str
    body: str
    published_at: datetime
    location: str
    url: str | None = None
    source: str = ""
    byline: str = ""
    summary: str = ""
    dateline: str = ""


@dataclass(frozen=True)
class RejectedRecord:
    location: str
    reason: str


def read_paths(paths: Iterable[str | Path]) -> Iterator[ArticleRecord | RejectedRecord]:
    """Walk files and directories (sorted, recursively; skip hidden files) and read each file by its kind."""
    from .readers import read_walked_paths  # the readers build records, so they import this module first

    return read_walked_paths(paths)


def clean_text(text: str) -> str:
    """Text with ``\\n`` line breaks only and no control characters, trimmed at both ends."""
    return _CONTROL_CHARACTERS.sub("", _LINE_BREAKS.sub("\n", text)).strip()


def clean_line(text: str) -> str:
    """A one-line field (title, byline, dateline): cleaned, with every run of white space one space."""
    return _WHITE_SPACE.sub(" ", clean_text(text))


def clean_names(names: Iterable[str] | None, *, normalise=None) -> tuple[str, ...] | None:
    """Names as given, cleaned, without blanks or repeats; None stays None ("not given")."""
    if names is None:
        return None
    cleaned = (clean_line(name) for name in names)
    return tuple(dict.fromkeys(normalise(name) if normalise else name for name in cleaned if name))


def article_record(
    location: str,
    *,
    title: str,
    body: str,
    published_at: datetime | str | None,
    url: str | None = None,
    source: str = "",
    byline: str = "",
    summary: str = "",
    dateline: str = "",
    **tags: Iterable[str] | None,
) -> ArticleRecord | RejectedRecord:
    """The article these raw fields describe, or why they do not describe one.

    ``tags`` are given by kind (``countries=["MX"]``): a fixed list's keys, other kinds' names.
    """
    unknown = set(tags) - {kind.field for kind in TAG_KINDS}
    if unknown:
        raise TypeError(f"article_record() got unexpected keyword arguments {sorted(unknown)}")
    title, body = clean_line(title), clean_text(body)
    if not title and not body:
        return RejectedRecord(location, "neither title nor text")
    if published_at is None or (isinstance(published_at, str) and not published_at.strip()):
        return RejectedRecord(location, "no publication date")
    if isinstance(published_at, str):
        try:
            published_at = parse_published_at(published_at)
        except ValueError as error:
            return RejectedRecord(location, str(error))
    return ArticleRecord(
        title=title,
        body=body,
        published_at=as_utc(published_at),
        location=location,
        url=clean_line(url or "") or None,
        source=clean_line(source),
        byline=clean_line(byline),
        summary=clean_text(summary),
        dateline=clean_line(dateline),
        **{kind.field: given_tags(kind, tags.get(kind.field)) for kind in TAG_KINDS},
    )


def given_tags(kind, names: Iterable[str] | None) -> tuple[str, ...] | None:
    """A kind's tags as given, cleaned: the keys of a fixed list normalised (ISO codes upper case),
    other kinds' names as written."""
    return clean_names(names, normalise=kind.normalise if kind.fixed else None)
