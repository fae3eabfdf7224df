"""Which reader reads a file, and the walk that finds the files under the paths given to the import.

The kind of a file comes from its extension. A file with another extension is sniffed: if its first
bytes look like a feed or a web page it is read as one, otherwise it is rejected as an unsupported
file type. Directories are walked recursively in sorted order; hidden files and directories (names
starting with ".") are skipped while walking, but read when named on the command line.

A walk reads only the tree it was given: a symbolic link that leads out of the directory named is
not followed, and a device, FIFO or socket is not read; each is one rejection that says so.
"""

import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .feeds import read_feed
from .files import FileRefused, not_regular_reason, open_regular_file
from .html_pages import read_html_page
from .jsonl import read_jsonl
from .plain_text import read_plain_text
from .records import ArticleRecord, RejectedRecord

Reader = Callable[[Path], Iterator[ArticleRecord | RejectedRecord]]

READERS_BY_EXTENSION: dict[str, Reader] = {
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".xml": read_feed,
    ".rss": read_feed,
    ".atom": read_feed,
    ".html": read_html_page,
    ".htm": read_html_page,
    ".txt": read_plain_text,
}
FEED_START = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]")
HTML_START = re.compile(rb"<(!doctype html|html)[\s>]", re.IGNORECASE)
SNIFFED_BYTES = 1024


def read_walked_paths(paths: Iterable[str | Path]) -> Iterator[ArticleRecord | RejectedRecord]:
    """Every record and rejection from the files at or under these paths, file by file."""
    for path in walked_paths(paths):
        if isinstance(path, RejectedRecord):
            yield path
        else:
            yield from read_file(path)


def read_file(path: Path) -> Iterator[ArticleRecord | RejectedRecord]:
    """The records in one file, read by the reader for its kind."""
    reader = READERS_BY_EXTENSION.get(path.suffix.lower())
    if reader is None:
        try:
            reader = sniffed_reader(path)
        except FileRefused as refused:
            return iter([refused.rejection(path)])
    if reader is None:
        reason = f"unsupported file type {path.suffix or '(no extension)'!r}"
        return iter([RejectedRecord(str(path), reason, "unsupported file type")])
    return reader(path)


def sniffed_reader(path: Path) -> Reader | None:
    """The reader for a file whose extension says nothing, judged from its first bytes; FileRefused
    for a file that cannot be read or holds nothing."""
    with open_regular_file(path) as file:
        try:
            start = file.read(SNIFFED_BYTES)
        except OSError as error:
            raise FileRefused(f"cannot be read: {error.strerror or error}", "cannot be read") from None
    if not start.strip():
        raise FileRefused("empty file: nothing in it to import", "empty file")
    if FEED_START.search(start):
        return read_feed
    if HTML_START.search(start):
        return read_html_page
    return None


def walked_paths(paths: Iterable[str | Path]) -> Iterator[Path | RejectedRecord]:
    """The files named and those under the directories named, in order; a path that is neither is rejected."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from files_under(path, root=path.resolve(), visited=set())
        elif os.path.lexists(path):
            yield regular_file_or_rejection(path)
        else:
            yield RejectedRecord(str(path), "no such file or directory", "no such file")


def files_under(directory: Path, *, root: Path, visited: set[Path]) -> Iterator[Path | RejectedRecord]:
    """Files under a directory, sorted by name at each level, without hidden ones, symlink loops or
    links out of ``root`` (the real path of the directory named)."""
    real_path = directory.resolve()
    if real_path in visited:
        return
    visited.add(real_path)
    try:
        entries = sorted(directory.iterdir())
    except OSError as error:
        yield RejectedRecord(str(directory), f"cannot be read: {error.strerror or error}", "cannot be read")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            target = entry.resolve()
            if not target.is_relative_to(root):
                reason = f"is a link to {target}, outside {root}: not followed"
                yield RejectedRecord(str(entry), reason, "link out of the folder")
                continue
        if entry.is_dir():
            yield from files_under(entry, root=root, visited=visited)
        else:
            yield regular_file_or_rejection(entry)


def regular_file_or_rejection(path: Path) -> Path | RejectedRecord:
    """The path of a regular file (through its link, if it is one), or why it is not read."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return RejectedRecord(str(path), f"cannot be read: {error.strerror or error}", "cannot be read")
    reason = not_regular_reason(mode)
    return RejectedRecord(str(path), reason, "not a regular file") if reason else path
