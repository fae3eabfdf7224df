"""Validated search parameters, and the one way to turn them back into a URL."""

import calendar
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
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


def parse_date_bound(text: str) -> DateBound:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise ValueError for anything else."""
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
        items = [("q", self.q)] if self.q else []
        for kind in TAG_KINDS:
            items += [(kind.name, value) for value in getattr(self, kind.field)]
        items += [("language", value) for value in self.languages]
        if self.date_from:
            items.append(("from", self.date_from.text))
        if self.date_to:
            items.append(("to", self.date_to.text))
        if self.sort:
            items.append(("sort", self.sort))
        if self.facet:
            items.append(("facet", self.facet))
        if self.page > 1:
            items.append(("page", str(self.page)))
        return items

    def url(self, view: str = "search:search", **changes) -> str:
        params = self.with_changes(**changes) if changes else self
        query = urlencode(params.query_items())
        return path_of(view) + (f"?{query}" if query else "")


@lru_cache(maxsize=64)
def path_of(view: str) -> str:
    """``reverse`` once per view: a facet with hundreds of values builds hundreds of links."""
    return reverse(view)
