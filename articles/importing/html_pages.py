"""Articles from web pages (``.html``, ``.htm``): trafilatura finds the main text, title, author and date.

The date is the page's own publication date from its metadata (meta tags, JSON-LD, ``<time>``), as
htmldate finds it without its extensive search of the free text: a copyright year in the footer is
no publication date. A page without one is rejected.
"""

from collections.abc import Iterator
from pathlib import Path

import lxml.html
import trafilatura
from lxml.etree import ParserError

from .files import FileRefused, read_single_article_file
from .records import ArticleRecord, RejectedRecord, article_record

BLOCK_TAGS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})


def read_html_page(path: Path) -> Iterator[ArticleRecord | RejectedRecord]:
    """The one article on a saved web page, or why there is none."""
    try:
        page = read_single_article_file(path)
    except FileRefused as refused:
        yield refused.rejection(path)
        return
    yield html_page_record(page, str(path))


def html_page_record(page: bytes, location: str) -> ArticleRecord | RejectedRecord:
    """The article that trafilatura extracts from the page's bytes (it detects their encoding)."""
    extracted = trafilatura.bare_extraction(
        page,
        with_metadata=True,
        favor_recall=True,
        include_comments=False,
        date_extraction_params={
            "original_date": True,
            "extensive_search": False,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
            "max_date": "9999-12-31",  # a date ahead is rejected by the record's own rule, which says so
        },
    )
    if extracted is None:
        return RejectedRecord(location, "no main text found in the page", "no main text")
    title = extracted.title or ""
    body = extracted.text or ""
    first_line, _, rest = body.partition("\n")
    if title and first_line.strip() == title.strip():
        body = rest
    return article_record(
        location,
        title=title,
        body=body,
        published_at=extracted.date,
        url=extracted.url,
        source=extracted.sitename or "",
        byline=extracted.author or "",
        summary=extracted.description or "",
    )


def html_fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed entry's content), one line per paragraph."""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return fragment
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    return root.text_content()
