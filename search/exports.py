"""A whole result set, page by page through ``run_search``, and as CSV for spreadsheets.

Paging through the one search function keeps one page in memory at a time and keeps the export
identical to what the search page shows, filters and order included.
"""

import csv
from collections.abc import Callable, Iterable, Iterator

from articles.safe_links import safe_link
from articles.tag_kinds import TAG_KINDS

from .params import SearchParams
from .service import Hit, SearchResult, run_search

CSV_COLUMNS = ("slug", "title", "published_at", "source", "url", "source_url", "language", *(kind.field for kind in TAG_KINDS))
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def result_pages(params: SearchParams) -> Iterator[SearchResult]:
    """Every page of a search, first to last; stops early if the archive shrinks while paging."""
    page, pages = 1, 1
    while page <= pages:
        result = run_search(params.with_changes(page=page))
        if result.page != page:
            return
        pages = result.pages
        yield result
        page += 1


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def hit_row(hit: Hit, absolute: Callable[[str], str]) -> list[str]:
    row = [
        hit.slug,
        hit.title,
        hit.published_at.isoformat(),
        hit.source,
        absolute(hit.url),
        safe_link(hit.source_url) or "",
        hit.language,
        *(";".join(tag.value for tag in tags) for _, tags in hit.tag_groups),
    ]
    return [safe_cell(cell) for cell in row]


class Echo:
    """A file-like object whose ``write`` hands the line back, so csv.writer can feed a stream."""

    def write(self, value):
        return value


def csv_lines(pages: Iterable[SearchResult], absolute: Callable[[str], str]) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    for result in pages:
        for hit in result.hits:
            yield writer.writerow(hit_row(hit, absolute))
