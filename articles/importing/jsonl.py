"""Articles from JSON Lines (``.jsonl``, ``.ndjson``): one JSON object a line, read one line at a time.

Fields of each object:

- ``title`` and ``body``: strings; at least one of them must hold text. A headline with no body is
  an article.
- ``published_at``: required. ISO 8601 (``1987-02-26T15:01:01+00:00``, ``2011-03-04T10:00:00Z``,
  ``2011-03-04``), or another date that names year, month and day (see ``dates.parse_published_at``).
  A date without a zone is UTC.
- ``url``, ``source``, ``byline``, ``summary``, ``dateline``: optional strings.
- ``countries`` (ISO 3166-1 alpha-2 codes), ``organisations``, ``operations``: optional lists of
  strings. A list, even an empty one, is taken as given and replaces extraction; a missing field or
  ``null`` means "not given", and the import extracts them from the text.

Any other field is ignored. That is what lets the Reuters-21578 corpus be read as it is: its
``countries`` are ISO codes and are honoured, while its ``orgs``, ``places`` and ``topics`` are label
codes, not names, and are left alone. ``null`` in any field counts as missing.

Each line yields exactly one ArticleRecord or RejectedRecord, located as ``path:line``; blank lines
yield nothing, and a file with nothing else is one rejection. A line over ``IMPORT_MAX_FILE_BYTES``
is one rejection, skipped in pieces of that size, never held whole.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from ..tag_kinds import TAG_KINDS
from .files import FileRefused, open_regular_file
from .records import ArticleRecord, RejectedRecord, article_record

TEXT_FIELDS = ("title", "body", "published_at", "url", "source", "byline", "summary", "dateline")
NAME_LIST_FIELDS = tuple(kind.field for kind in TAG_KINDS)
JSON_TYPE_NAMES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def read_jsonl(path: Path) -> Iterator[ArticleRecord | RejectedRecord]:
    """One record or rejection per non-blank line, streamed so that files of any length fit in memory."""
    limit = settings.IMPORT_MAX_FILE_BYTES
    read_any = False
    try:
        with open_regular_file(path) as lines:
            for number, raw_line in enumerate(bounded_lines(lines, limit), start=1):
                if raw_line is None:
                    reason = f"line is over {limit:,} bytes, the most one record may be (IMPORT_MAX_FILE_BYTES): not read"
                    yield RejectedRecord(f"{path}:{number}", reason, "record too large")
                    read_any = True
                elif raw_line.strip():
                    yield jsonl_line_record(raw_line, f"{path}:{number}")
                    read_any = True
    except FileRefused as refused:
        yield refused.rejection(path)
        return
    except OSError as error:
        yield RejectedRecord(str(path), f"cannot be read: {error.strerror or error}", "cannot be read")
        return
    if not read_any:
        yield RejectedRecord(str(path), "empty file: no records in it", "empty file")


def bounded_lines(file: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """Each line of the file, or None for a line longer than ``limit`` bytes (its end of line aside),
    which is read past in pieces of at most ``limit`` bytes."""
    while line := file.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while (piece := file.readline(limit + 1)) and not piece.endswith(b"\n"):
            pass
        yield None


def jsonl_line_record(raw_line: bytes, location: str) -> ArticleRecord | RejectedRecord:
    """The article on one line of JSON Lines, or why there is none."""
    try:
        line = raw_line.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return RejectedRecord(location, f"not UTF-8: byte {raw_line[error.start]:#04x} at col {error.start + 1}", "not UTF-8")
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        return RejectedRecord(location, f"invalid JSON: {error.msg} (col {error.colno})", "invalid JSON")
    except RecursionError:
        return RejectedRecord(location, "invalid JSON: nested too deeply", "invalid JSON")
    if not isinstance(value, dict):
        return RejectedRecord(location, f"a JSON {json_type_name(value)} is not an article object", "not an article object")
    for name in TEXT_FIELDS:
        if value.get(name) is not None and not isinstance(value[name], str):
            reason = f"'{name}' must be a string, not {with_article(json_type_name(value[name]))}"
            return RejectedRecord(location, reason, "value of the wrong type")
    for name in NAME_LIST_FIELDS:
        names = value.get(name)
        if names is not None and not (isinstance(names, list) and all(isinstance(item, str) for item in names)):
            return RejectedRecord(location, f"'{name}' must be a list of strings", "value of the wrong type")
    return article_record(
        location,
        title=value.get("title") or "",
        body=value.get("body") or "",
        published_at=value.get("published_at"),
        url=value.get("url"),
        source=value.get("source") or "",
        byline=value.get("byline") or "",
        summary=value.get("summary") or "",
        dateline=value.get("dateline") or "",
        language=value.get("language"),
        **{name: value.get(name) for name in NAME_LIST_FIELDS},
    )


def with_article(type_name: str) -> str:
    """The type's name as a message says it: "an array", "a string"; null has no article."""
    if type_name == "null":
        return type_name
    return f"{'an' if type_name[0] in 'aeiou' else 'a'} {type_name}"


def json_type_name(value) -> str:
    """What JSON calls this value's type, for messages: "array", not "list"."""
    return "null" if value is None else JSON_TYPE_NAMES[type(value)]
