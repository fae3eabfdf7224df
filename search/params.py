"""Validated search parameters, and the one way to turn them back into a URL."""

import calendar
import re
from dataclasses import dataclass, field, fields, replace
from functools import cached_property, lru_cache
from datetime import datetime, time, timezone

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.http import urlencode

from articles.tag_kinds import TAG_KINDS, field_per_tag_kind

SORTS = ("relevance", "newest", "oldest")
SORT_LABELS = {
    "relevance": pgettext_lazy("sort order", "relevance"),
    "newest": pgettext_lazy("sort order", "newest"),
    "oldest": pgettext_lazy("sort order", "oldest"),
}
DATE_BOUND = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True)
class DateBound:
    """A date as typed in ``from``/``to``: a year, a month or a day, and the instants it spans."""

    text: str
    first: datetime
    last: datetime

    @property
    def precision(self) -> str:
        return {1: "year", 2: "month", 3: "day"}[self.text.count("-") + 1]


@lru_cache(maxsize=4096)
def parse_date_bound(text: str) -> DateBound:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise ValueError for anything else.
    Remembered (bounds are frozen): the date facet parses each of its years on every search."""
    match = DATE_BOUND.match((text or "").strip())
    if not match:
        raise ValueError(gettext("“%(text)s” is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD") % {"text": text})
    year, month, day = (int(part) if part else None for part in match.groups())
    if not 1000 <= year <= 9999:
        raise ValueError(gettext("“%(text)s” is not a year we can search (1000 to 9999)") % {"text": text})
    if month is None:
        first, last = (year, 1, 1), (year, 12, 31)
        normalised = f"{year:04d}"
    elif day is None:
        if not 1 <= month <= 12:
            raise ValueError(gettext("“%(text)s” has no month %(month)s") % {"text": text, "month": month})
        first, last = (year, month, 1), (year, month, calendar.monthrange(year, month)[1])
        normalised = f"{year:04d}-{month:02d}"
    else:
        if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise ValueError(gettext("“%(text)s” is not a day of the calendar") % {"text": text})
        first = last = (year, month, day)
        normalised = f"{year:04d}-{month:02d}-{day:02d}"
    return DateBound(
        text=normalised,
        first=datetime.combine(datetime(*first).date(), time.min, tzinfo=timezone.utc),
        last=datetime.combine(datetime(*last).date(), time.max, tzinfo=timezone.utc),
    )


@dataclass(frozen=True)
@field_per_tag_kind(tuple[str, ...], default=())
class SearchParams:
    """What to search for; the selected codes or slugs of each tag kind are ``countries`` and so on."""

    q: str = ""
    date_from: DateBound | None = None
    date_to: DateBound | None = None
    languages: tuple[str, ...] = ()  # ISO 639-1 codes: the language facet
    sort: str = ""
    page: int = 1
    facet: str = ""  # the one facet shown with all its values (``facet=country``); "" shows each one's top values
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    @property
    def effective_sort_label(self) -> str:
        return SORT_LABELS[self.effective_sort]

    @property
    def has_filters(self) -> bool:
        return (
            any(getattr(self, kind.field) for kind in TAG_KINDS)
            or bool(self.languages)
            or bool(self.date_from or self.date_to)
        )

    def with_changes(self, **changes) -> "SearchParams":
        """A copy with some parameters changed; any change of what is searched goes back to page 1."""
        changes.setdefault("page", 1)
        return replace(self, **changes)

    def query_items(self) -> list[tuple[str, str]]:
        return [item for name in URL_FIELDS for item in parameter_items(name, getattr(self, name))]

    @cached_property
    def encoded_parameters(self) -> dict[str, str]:
        """Each field's part of the query string, encoded once: a page's hundred links each change
        one or two fields, and re-encoding the rest for each was most of their cost."""
        return {name: urlencode(parameter_items(name, getattr(self, name))) for name in URL_FIELDS}

    def url(self, view: str = "search:search", **changes) -> str:
        """The URL of these parameters, or of ``with_changes(**changes)``: the same query string,
        built from the parts that did not change."""
        if changes:
            changes.setdefault("page", 1)
            unknown = changes.keys() - FIELD_NAMES
            if unknown:
                raise TypeError(f"SearchParams has no field {', '.join(sorted(unknown))}")
        encoded = self.encoded_parameters
        parts = (urlencode(parameter_items(name, changes[name])) if name in changes else encoded[name] for name in URL_FIELDS)
        query = "&".join(part for part in parts if part)
        return path_of(view) + (f"?{query}" if query else "")


# The fields that are in a URL, in the order of their parameters.
URL_FIELDS = ("q", *(kind.field for kind in TAG_KINDS), "languages", "date_from", "date_to", "sort", "facet", "page")
FIELD_NAMES = frozenset(each.name for each in fields(SearchParams))
PARAMETER_OF_TAG_FIELD = {kind.field: kind.name for kind in TAG_KINDS}


def parameter_items(name: str, value) -> list[tuple[str, str]]:
    """The URL parameters of the field ``name`` of SearchParams when it holds ``value``."""
    if name in PARAMETER_OF_TAG_FIELD:
        return [(PARAMETER_OF_TAG_FIELD[name], item) for item in value]
    if name == "languages":
        return [("language", item) for item in value]
    if name in ("date_from", "date_to"):
        return [("from" if name == "date_from" else "to", value.text)] if value else []
    if name == "page":
        return [("page", str(value))] if value > 1 else []
    return [(name, value)] if value else []  # q, sort, facet


@lru_cache(maxsize=64)
def path_of(view: str) -> str:
    """``reverse`` once per view: a facet with hundreds of values builds hundreds of links."""
    return reverse(view)
