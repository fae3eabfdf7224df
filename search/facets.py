"""The facets of the search page: what each one filters, how its values are labelled and linked.

Values are codes and slugs in the index; labels come from the database. Several values of one
facet are OR; different facets are AND. Each facet is counted under the other facets' filters but
not its own (disjunctive faceting), so its other values stay selectable.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

from django.utils.dates import MONTHS
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, pgettext_lazy

from articles.language import language_name
from articles.tag_kinds import TAG_KINDS, TagKindEntry

from .params import SearchParams, parse_date_bound

TOP_VALUES = 10
LABEL_SECONDS = 60
_labels: dict[object, tuple[float, dict[str, str]]] = {}  # model -> (when read, name by code or slug)


def entity_labels(model, key: str, values) -> dict[str, str]:
    """Names of codes and slugs: every one of the kind's, read in one query and remembered for a
    minute. A page shows its hits' tags and its facets' top values, new ones on most searches;
    asked for one by one, they cost a query on most first searches (0.3 to 0.8 ms at 100,000
    articles). A code or slug that is not among them (made since, in another process) is asked
    for on its own. Each process keeps every entity's names already (``entity_names``).

    A rename in this process is seen at once (``forget_labels`` runs on every entity save); other
    gunicorn workers see it within ``LABEL_SECONDS``.
    """
    now = time.monotonic()
    read = _labels.get(model)
    if read is None or now - read[0] >= LABEL_SECONDS:
        read = _labels[model] = (now, dict(model.objects.values_list(key, "name")))
    names = read[1]
    values = list(values)
    missing = [value for value in values if value not in names]
    if missing:
        names.update(model.objects.filter(**{f"{key}__in": missing}).values_list(key, "name"))
    return {value: names[value] for value in values if value in names}


def forget_labels() -> None:
    _labels.clear()


MONTH_NAMES = tuple(MONTHS[month] for month in range(1, 13))  # translated when shown
# The heading of every facet, by name: translated here and only here. A new facet adds its line.
FACET_HEADINGS = {
    "date": pgettext_lazy("facet", "Date"),
    "country": pgettext_lazy("facet", "Country"),
    "organisation": pgettext_lazy("facet", "Organisation"),
    "operation": pgettext_lazy("facet", "Operation"),
    "language": pgettext_lazy("facet", "Language"),
}


def facet_heading(name: str, default: str = "") -> str:
    """The heading a facet is shown under, in the reader's language (the API's facet keys stay ``name``)."""
    return FACET_HEADINGS.get(name, default or name)


@dataclass
class FacetValue:
    """One value of a facet; its link is built only when a page shows it (the API never does).

    Not frozen: every value of every facet is built on every search (hundreds), and a frozen
    dataclass's ``__init__`` took 1.7 µs against 0.5. Nothing changes one once built."""

    value: str
    label: str
    count: int
    selected: bool
    params: SearchParams = field(repr=False, compare=False)
    changes: Callable[[], dict] = field(repr=False, compare=False)  # the link's parameter changes

    @cached_property
    def url(self) -> str:
        """Built once: the facet and the timeline both link to a date."""
        return self.params.url(**self.changes())


@dataclass(frozen=True)
class Facet:
    """A facet as the page shows it: its top values and every selected one, or all its values when
    it is the facet the reader expanded (``facet=country``). Rendering every value of every facet
    on every page was most of the page's time (issue 14).

    Its values are made when first asked for, with their labels in the language active then (as
    the headings): a page makes its top ones, the API all. A search counts hundreds (369 for
    "said" at 100,000 articles), and making them all took 0.4 to 1 ms of every search."""

    name: str
    label: str
    counts: list[tuple[str, int]]  # (value, count) in the order shown
    make_values: Callable[[list[tuple[str, int]]], list[FacetValue]] = field(repr=False, compare=False)
    selected: frozenset = frozenset()
    clear_url: str | None = None
    heading: str = ""
    params: SearchParams | None = field(default=None, repr=False, compare=False)  # for its links
    top_count: int = TOP_VALUES

    @cached_property
    def values(self) -> list[FacetValue]:
        return self.make_values(self.counts)

    @cached_property
    def top_counts(self) -> list[tuple[str, int]]:
        """The first ``top_count`` values, and every selected value after them."""
        return [pair for position, pair in enumerate(self.counts) if position < self.top_count or pair[0] in self.selected]

    @cached_property
    def top(self) -> list[FacetValue]:
        return self.make_values(self.top_counts)

    @property
    def expanded(self) -> bool:
        return self.params is not None and self.params.facet == self.name

    @property
    def shown(self) -> list[FacetValue]:
        return self.values if self.expanded else self.top

    @property
    def hidden_count(self) -> int:
        """How many values only the expanded facet shows."""
        return len(self.counts) - len(self.top_counts)

    @property
    def all_values_url(self) -> str:
        """This search with this facet expanded, on the same page of results, at the facet."""
        return self.params.url(facet=self.name, page=self.params.page) + f"#facet-{self.name}"

    @property
    def top_values_url(self) -> str:
        return self.params.url(facet="", page=self.params.page) + f"#facet-{self.name}"


class ValueFacet:
    """A facet over a multi-valued index field of codes or slugs: its values are OR, and a
    selected value stays shown. Subclasses say its name, fields and labels."""

    name: str  # the URL parameter and the facet's name in the API
    field: str  # the index field
    attribute: str  # the SearchParams attribute holding the selected values

    @property
    def label(self) -> str:
        return facet_heading(self.name)

    def labels(self, values) -> dict[str, str]:
        raise NotImplementedError

    def selected(self, params: SearchParams) -> tuple[str, ...]:
        return getattr(params, self.attribute)

    def toggle(self, params: SearchParams, value: str) -> dict:
        """The parameter change that adds this value, or drops it when it is selected."""
        selected = self.selected(params)
        changed = tuple(v for v in selected if v != value) if value in selected else selected + (value,)
        return {self.attribute: changed}

    def toggle_url(self, params: SearchParams, value: str) -> str:
        return params.url(**self.toggle(params, value))

    def build(self, params: SearchParams, counts: list[tuple[str, int]]) -> Facet:
        selected = self.selected(params)
        counted = dict(counts)
        # A selected value stays visible (to be unselected) even when nothing matches it now.
        pairs = [pair for pair in counts if pair[0] not in selected]
        pairs = [(value, counted.get(value, 0)) for value in selected] + pairs
        clear_url = params.url(**{self.attribute: ()}) if selected else None
        return Facet(self.name, self.label, pairs, partial(self.make_values, params), frozenset(selected), clear_url, params=params)

    def make_values(self, params: SearchParams, pairs: list[tuple[str, int]]) -> list[FacetValue]:
        selected = self.selected(params)
        labels = self.labels(value for value, _ in pairs)
        return [
            FacetValue(value, labels.get(value, value), count, value in selected, params, partial(self.toggle, params, value))
            for value, count in pairs
        ]


@dataclass(frozen=True)
class TagFacet(ValueFacet):
    """A facet over one of the article's tag sets (one kind of tag)."""

    kind: TagKindEntry

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def label(self) -> str:
        return facet_heading(self.name, self.kind.label)

    @property
    def field(self) -> str:
        return self.kind.field

    @property
    def attribute(self) -> str:
        return self.kind.field

    def labels(self, values) -> dict[str, str]:
        """The names shown for these codes or slugs, in the reader's language."""
        names = entity_labels(self.kind.model, self.kind.key, values)
        language = get_language()
        return {value: self.kind.shown_name(value, name, language) for value, name in names.items()}


@dataclass(frozen=True)
class LanguageFacet(ValueFacet):
    """The articles' languages, by ISO 639-1 code (``language=es``), named in the reader's language."""

    name: str = "language"
    field: str = "language"
    attribute: str = "languages"

    def labels(self, values) -> dict[str, str]:
        return {value: capfirst(language_name(value)) or value for value in values}


TAG_FACETS = tuple(TagFacet(kind) for kind in TAG_KINDS)
LANGUAGE_FACET = LanguageFacet()
VALUE_FACETS = (*TAG_FACETS, LANGUAGE_FACET)  # every facet but the date, in the page's order
FACET_NAMES = ("date", *(facet.name for facet in VALUE_FACETS))  # what ``facet=`` may expand
DATE_FIELD = "year_month"


def selected_year(params: SearchParams) -> str | None:
    """The year the date filter is inside of, when it is inside one year: its months are shown."""
    if params.date_from and params.date_to and params.date_from.first.year == params.date_to.last.year:
        return f"{params.date_from.first.year:04d}"
    return None


def date_facet(params: SearchParams, month_counts: list[tuple[str, int]]) -> Facet:
    """Years with counts; once a year is chosen, its months."""
    year = selected_year(params)
    chosen = (params.date_from.text, params.date_to.text) if params.date_from and params.date_to else None
    if year:
        pairs = sorted((month, count) for month, count in month_counts if month.startswith(year + "-"))
        heading = year
    else:
        years: dict[str, int] = {}
        for month, count in month_counts:
            years[month[:4]] = years.get(month[:4], 0) + count
        pairs = sorted(years.items(), reverse=True)
        heading = ""
    clear_url = params.url(date_from=None, date_to=None) if params.date_from or params.date_to else None
    # A chosen year shows all its months: twelve is short enough, and a month is never behind a link.
    top_count = len(MONTH_NAMES) if year else TOP_VALUES
    selected = frozenset(chosen[:1]) if chosen and chosen[0] == chosen[1] else frozenset()
    make_values = partial(date_values, params, chosen)
    return Facet("date", facet_heading("date"), pairs, make_values, selected, clear_url, heading, params, top_count)


def date_values(params: SearchParams, chosen: tuple[str, str] | None, pairs: list[tuple[str, int]]) -> list[FacetValue]:
    """Years or months, named in the language active now."""
    values = []
    for value, count in pairs:
        bound = parse_date_bound(value)
        label = capfirst(MONTH_NAMES[bound.first.month - 1]) if bound.precision == "month" else value
        values.append(FacetValue(value, label, count, chosen == (value, value), params, partial(dict, date_from=bound, date_to=bound)))
    return values


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


def active_chips(params: SearchParams, labels: dict[str, dict[str, str]]) -> list[Chip]:
    """One removable chip per active filter."""
    chips = []
    if params.q:
        chips.append(Chip(gettext("Text: %(query)s") % {"query": params.q}, params.url(q="")))
    for facet in VALUE_FACETS:
        for value in facet.selected(params):
            label = labels.get(facet.name, {}).get(value, value)
            chips.append(Chip(chip_label(facet.label, label), facet.toggle_url(params, value)))
    if params.date_from:
        chips.append(Chip(gettext("From: %(date)s") % {"date": params.date_from.text}, params.url(date_from=None)))
    if params.date_to:
        chips.append(Chip(gettext("To: %(date)s") % {"date": params.date_to.text}, params.url(date_to=None)))
    return chips


def chip_label(heading: str, value: str) -> str:
    return gettext("%(facet)s: %(value)s") % {"facet": heading, "value": value}
