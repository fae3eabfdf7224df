"""Articles from plain text files (``.txt``), one article a file, in UTF-8.

The first non-empty line is the title and the rest is the body. A line ``Date: YYYY-MM-DD`` (or any
date ``dates.parse_published_at`` reads) right after the title gives the publication date; without
one, the date is the file's modification time, in UTC, which is when the file was last written and
not necessarily when the article was published.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from .files import FileRefused, read_single_article_file
from .records import ArticleRecord, RejectedRecord, article_record

DATE_LINE = re.compile(r"\s*Date:\s*(?P<date>.*)", re.IGNORECASE)


def read_plain_text(path: Path) -> Iterator[ArticleRecord | RejectedRecord]:
    """The one article in a text file, or why there is none."""
    try:
        text = read_single_article_file(path).decode("utf-8-sig")
        modified_at = file_modified_at(path)
    except FileRefused as refused:
        yield refused.rejection(path)
        return
    except OSError as error:
        yield RejectedRecord(str(path), f"cannot be read: {error.strerror or error}", "cannot be read")
        return
    except UnicodeDecodeError as error:
        yield RejectedRecord(str(path), f"not UTF-8: byte {error.object[error.start]:#04x} at offset {error.start}", "not UTF-8")
        return
    yield plain_text_record(text, str(path), modified_at=modified_at)


def file_modified_at(path: Path) -> datetime | str:
    """When the file was last written, in UTC; a time Python cannot hold is passed on as written, to be rejected."""
    seconds = path.stat().st_mtime
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return f"file modification time {seconds:.0f} s after 1970"


def plain_text_record(text: str, location: str, *, modified_at: datetime | str) -> ArticleRecord | RejectedRecord:
    """Title from the first non-empty line, date from a ``Date:`` line after it or else the file's time."""
    lines = text.lstrip().splitlines()
    title, rest = (lines[0], lines[1:]) if lines else ("", [])
    published_at: datetime | str = modified_at
    for index, line in enumerate(rest):
        if not line.strip():
            continue
        if date_line := DATE_LINE.fullmatch(line):
            published_at = date_line["date"]
            rest = rest[index + 1 :]
        break
    return article_record(location, title=title, body="\n".join(rest), published_at=published_at)
