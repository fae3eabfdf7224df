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

from .records import ArticleRecord, RejectedRecord, article_record

DATE_LINE = re.compile(r"\s*Date:\s*(?P<date>.*)", re.IGNORECASE)


def read_plain_text(path: Path) -> Iterator[ArticleRecord | RejectedRecord]:
    """The one article in a text file, or why there is none."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        modified_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError as error:
        yield RejectedRecord(str(path), f"cannot read file: {error.strerror or error}")
        return
    except UnicodeDecodeError as error:
        yield RejectedRecord(str(path), f"not UTF-8: byte {error.object[error.start]:#04x} at offset {error.start}")
        return
    yield plain_text_record(text, str(path), modified_at=modified_at)


def plain_text_record(text: str, location: str, *, modified_at: datetime) -> ArticleRecord | RejectedRecord:
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
