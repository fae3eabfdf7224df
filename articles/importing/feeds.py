"""Articles from RSS and Atom feeds (``.xml``, ``.rss``, ``.atom``, or a file that starts like one).

feedparser reads every RSS and Atom version. Each entry is one article, located as ``feed.xml#entry3``
(counting from 1): its title, its content (or else its summary) as plain text, its link, its author,
and its published (or else updated) date. The feed's own title is the source. A feed that feedparser
calls broken is still read when it has entries; one with none is one rejection for the file.

Entities: a feed that declares its own (``<!ENTITY`` in its DOCTYPE) is refused whole, since feeds
have no use for them and XML bombs are made of them. An entry of a broken feed whose text still holds
a reference that names no HTML entity (``&lol9;``) is rejected rather than published with it as text.
So is an entry with a character reference to no character (``&#xD800;``, a lone surrogate), which
feedparser would fail on, losing the whole feed.

A feed over ``IMPORT_MAX_FILE_BYTES`` (a newspaper's dump) is streamed: lxml reads it an entry at a
time, and each entry goes to feedparser alone, inside a copy of its channel's title; an entry over
the limit is one rejection. Character references to no character and control characters, which
XML does not allow, are taken out of the stream as they would be out of the text, so that one such
entry is rejected alone. Otherwise a streamed feed must be well-formed XML: where it is not, the
entries before are read and the rest of the file is one rejection that says where it broke.
"""

import copy
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.entities import html5
from pathlib import Path

import feedparser
from django.conf import settings
from lxml import etree

from .files import FileRefused, open_regular_file
from .html_pages import html_fragment_text
from .records import ArticleRecord, RejectedRecord, article_record

ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
ROOT_START = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|RDF)[\s>]")
ENTITY_REFERENCE = re.compile(r"&([A-Za-z][\w.-]*);")
CHARACTER_REFERENCE = re.compile(r"&(?:amp;)?#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
DECLARES_ENTITIES = "the feed declares its own XML entities (<!ENTITY>), which feeds do not use and XML bombs do: not read"
ENTRY_NAMES = frozenset({"item", "entry"})
PROLOG_BYTES = 64 * 1024
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def read_feed(path: Path) -> Iterator[ArticleRecord | RejectedRecord]:
    """One record or rejection per entry of the feed, or one rejection for a feed that has none."""
    try:
        with open_regular_file(path) as file:
            if os.fstat(file.fileno()).st_size > settings.IMPORT_MAX_FILE_BYTES:
                yield from streamed_feed_records(file, path)
                return
            document = file.read()
    except FileRefused as refused:
        yield refused.rejection(path)
        return
    except OSError as error:
        yield RejectedRecord(str(path), f"cannot be read: {error.strerror or error}", "cannot be read")
        return
    if not document.strip():
        yield RejectedRecord(str(path), "empty file: no feed in it", "empty file")
        return
    if declares_entities(document):
        yield RejectedRecord(str(path), DECLARES_ENTITIES, "feed declares entities")
        return
    feed = feedparser.parse(escaped_invalid_references(document))
    if not feed.entries:
        if feed.bozo:
            yield RejectedRecord(str(path), f"broken feed: {feed.get('bozo_exception', 'unknown error')}", "broken feed")
        elif not feed.version:
            yield RejectedRecord(str(path), "not an RSS or Atom feed", "not a feed")
        else:
            yield RejectedRecord(str(path), "the feed has no entries", "empty file")
        return
    source = feed.feed.get("title", "")
    for number, entry in enumerate(feed.entries, start=1):
        location = f"{path}#entry{number}"
        yield reference_left_as_text(entry, location, bozo=feed.bozo) or feed_entry_record(entry, location, source=source)


def streamed_feed_records(file, path: Path) -> Iterator[ArticleRecord | RejectedRecord]:
    """The entries of a feed too large to hold, one at a time, each read by feedparser alone."""
    limit = settings.IMPORT_MAX_FILE_BYTES
    prolog = file.read(PROLOG_BYTES)
    if declares_entities(prolog):
        yield RejectedRecord(str(path), DECLARES_ENTITIES, "feed declares entities")
        return
    file.seek(0)
    number = 0
    source = file if prolog.startswith(UTF16_MARKS) else XmlCleaningStream(file)
    entries = etree.iterparse(source, events=("end",), resolve_entities=False, no_network=True, load_dtd=False)
    try:
        for _, element in entries:
            if not isinstance(element.tag, str) or etree.QName(element).localname not in ENTRY_NAMES:
                continue
            number += 1
            location = f"{path}#entry{number}"
            document = one_entry_feed(element)
            element.getparent().remove(element)  # what is read is let go: memory holds one entry at a time
            if len(document) > limit:
                reason = f"entry is {len(document):,} bytes, over the {limit:,} one record may be (IMPORT_MAX_FILE_BYTES): not read"
                yield RejectedRecord(location, reason, "record too large")
                continue
            feed = feedparser.parse(document)
            if not feed.entries:
                yield RejectedRecord(location, "feedparser finds no entry in it", "broken feed")
                continue
            [entry] = feed.entries[:1]
            yield reference_left_as_text(entry, location, bozo=feed.bozo) or feed_entry_record(
                entry, location, source=feed.feed.get("title", "")
            )
    except etree.XMLSyntaxError as error:
        first = error.error_log.last_error  # the parser's own account; the exception's can say "line 0"
        where, what = (first.line, first.message) if first else (error.lineno, error.msg)
        reason = f"broken feed at line {where}: {what}; the rest of the file is not read"
        yield RejectedRecord(f"{path}#entry{number + 1}", reason, "broken feed")


class XmlCleaningStream:
    """A UTF-8 feed file as lxml reads it, without control characters and with each character
    reference to no character escaped as text (``&amp;#xD800;``), for its entry to be rejected."""

    REFERENCE_LENGTH = 32  # the longest "&#…;" held back at a chunk's end until the next chunk completes it

    def __init__(self, file):
        self.file, self.pending = file, b""

    def read(self, size: int = 65536) -> bytes:
        while True:
            chunk = self.file.read(size if size and size > 0 else 65536)
            data, self.pending = self.pending + chunk, b""
            cut = data.rfind(b"&")
            if chunk and cut != -1 and b";" not in data[cut:] and len(data) - cut < self.REFERENCE_LENGTH:
                data, self.pending = data[:cut], data[cut:]
            if data or not chunk:
                return CONTROL_BYTES.sub(b"", escaped_invalid_references(data))


def escaped_invalid_references(document: bytes) -> bytes:
    """The document with each character reference to no character escaped, to be read as text."""
    text = document.decode("latin-1")  # byte for byte: the references are ASCII
    return CHARACTER_REFERENCE.sub(lambda match: "&amp;" + match[0][1:] if invalid_reference(match) else match[0], text).encode("latin-1")


def one_entry_feed(element) -> bytes:
    """A feed that holds this entry alone, inside copies of its ancestors and their titles."""
    document = copy.deepcopy(element)
    parent = element.getparent()
    while parent is not None:
        wrapper = etree.Element(parent.tag, attrib=dict(parent.attrib), nsmap=parent.nsmap)
        for child in parent:
            if isinstance(child.tag, str) and etree.QName(child).localname == "title":
                wrapper.append(copy.deepcopy(child))
        wrapper.append(document)
        document, parent = wrapper, parent.getparent()
    return etree.tostring(document, encoding="utf-8")


def declares_entities(start: bytes) -> bool:
    """Whether a ``<!ENTITY`` comes before the feed's root element (in its DOCTYPE)."""
    root = ROOT_START.search(start)
    return ENTITY_DECLARATION.search(start, 0, root.start() if root else len(start)) is not None


def invalid_reference(match: re.Match) -> bool:
    """A character reference to no character: a surrogate, or beyond U+10FFFF."""
    code = int(match[1], 16) if match[1] else int(match[2])
    return 0xD800 <= code <= 0xDFFF or code > 0x10FFFF


def reference_code(match: re.Match) -> str:
    code = int(match[1], 16) if match[1] else int(match[2])
    return f"U+{code:04X}" if code <= 0xFFFFFFFF else f"a number {len(str(code))} digits long"


def reference_left_as_text(entry, location: str, *, bozo: bool) -> RejectedRecord | None:
    """A rejection for an entry whose text holds a reference to no character, or (in a broken feed)
    to an entity HTML does not define, which would otherwise be published as text."""
    texts = {"title": entry.get("title", ""), "summary": entry.get("summary", ""), "author": entry.get("author", "")}
    texts["content"] = "\n".join(content.get("value", "") for content in entry.get("content", []))
    for name, text in texts.items():
        for match in CHARACTER_REFERENCE.finditer(text):
            if invalid_reference(match):
                reason = f"'{name}' holds a character reference to {reference_code(match)}, which is no valid character"
                return RejectedRecord(location, reason, "invalid Unicode")
        for match in ENTITY_REFERENCE.finditer(text) if bozo else ():
            if f"{match[1]};" not in html5:
                reason = f"'{name}' holds the undefined entity reference {match[0]!r}, left as text by the broken feed"
                return RejectedRecord(location, reason, "undefined entity")
    return None


def feed_entry_record(entry, location: str, *, source: str) -> ArticleRecord | RejectedRecord:
    """The article one feed entry describes, or why it does not describe one."""
    summary = html_fragment_text(entry.get("summary", ""))
    contents = [content.get("value", "") for content in entry.get("content", [])]
    body = html_fragment_text("\n".join(contents)) if any(contents) else summary
    return article_record(
        location,
        title=html_fragment_text(entry.get("title", "")),
        body=body,
        published_at=entry_published_at(entry),
        url=entry_link(entry),
        source=source,
        byline=entry.get("author", ""),
        summary=summary if body is not summary else "",
        language=entry_language(entry),
    )


def entry_language(entry) -> str:
    """The entry's language as the feed states it (``xml:lang``, or the channel's ``<language>``)."""
    for detail in ("title_detail", "summary_detail"):
        language = (entry.get(detail) or {}).get("language")
        if language:
            return language
    return ""


def entry_link(entry) -> str | None:
    """The entry's link; an id that feedparser took for one (``urn:…``) is an identifier, not a link."""
    link = entry.get("link")
    if link and entry.get("guidislink") and not link.lower().startswith(("http://", "https://")):
        return None
    return link


def entry_published_at(entry) -> datetime | str | None:
    """The entry's date as feedparser parsed it (in UTC), else as written, for the record to parse or reject."""
    for key in ("published", "updated"):
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (ValueError, OverflowError):  # out of range: the written date gets the record's own reason
                return entry.get(key)
    return entry.get("published") or entry.get("updated")
