"""Articles from RSS and Atom feeds (``.xml``, ``.rss``, ``.atom``, or a file that starts like one).

feedparser reads every RSS and Atom version. Each entry is one article, located as ``feed.xml#entry3``
(counting from 1): its title, its content (or else its summary) as plain text, its link, its author,
and its published (or else updated) date. The feed's own title is the source. A feed that feedparser
calls broken is still read when it has entries; one with none is one rejection for the file.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from .html_pages import html_fragment_text
from .records import ArticleRecord, RejectedRecord, article_record


def read_feed(path: Path) -> Iterator[ArticleRecord | RejectedRecord]:
    """One record or rejection per entry of the feed, or one rejection for a feed that has none."""
    try:
        document = path.read_bytes()
    except OSError as error:
        yield RejectedRecord(str(path), f"cannot read file: {error.strerror or error}")
        return
    feed = feedparser.parse(document)
    if not feed.entries:
        if feed.bozo:
            yield RejectedRecord(str(path), f"broken feed: {feed.get('bozo_exception', 'unknown error')}")
        elif not feed.version:
            yield RejectedRecord(str(path), "not an RSS or Atom feed")
        return
    source = feed.feed.get("title", "")
    for number, entry in enumerate(feed.entries, start=1):
        yield feed_entry_record(entry, f"{path}#entry{number}", source=source)


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
    )


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
