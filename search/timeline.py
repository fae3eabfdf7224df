"""The bars of the timeline: a search's articles per year, or per month inside a chosen year.

The bars are the date facet's values and counts, so they follow every active filter and link to
the same periods as the facet. Years or months without articles are drawn as empty slots, so
that the gaps in the archive show; they have nothing to link to.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from newsarchive.formats import grouped

from .facets import MONTH_NAMES, Facet

SLOT_WIDTH = 40
BAR_WIDTH = 28
BAR_AREA_HEIGHT = 100
TOP = 18  # room for the count above the tallest bar
HEIGHT = TOP + BAR_AREA_HEIGHT + 22  # and for the period's label below the bars
MAX_FILLED_YEARS = 200


@dataclass(frozen=True)
class Bar:
    label: str
    description: str
    count: int
    url: str | None
    selected: bool
    x: int
    y: float
    height: float

    @property
    def centre(self) -> float:
        return self.x + BAR_WIDTH / 2

    @property
    def count_y(self) -> float:
        return self.y - 4


@dataclass(frozen=True)
class Timeline:
    caption: str
    bars: list[Bar]
    width: int
    height: int = HEIGHT
    bar_width: int = BAR_WIDTH
    baseline: int = TOP + BAR_AREA_HEIGHT
    label_y: int = HEIGHT - 6


def articles(count: int) -> str:
    if not count:
        return gettext("no articles")
    return ngettext("%(count)s article", "%(count)s articles", count) % {"count": grouped(count)}


def periods(facet: Facet) -> list[tuple[str, str, str]]:
    """Every period from the first to the last (value, short label, long label), in order."""
    if facet.heading:  # months of one year
        year = facet.heading
        return [(f"{year}-{m:02d}", capfirst(str(MONTH_NAMES[m - 1])[:3]), month_of_year(int(year), m)) for m in range(1, 13)]
    years = sorted(int(value.value) for value in facet.values)
    span = range(years[0], years[-1] + 1) if years[-1] - years[0] < MAX_FILLED_YEARS else years
    return [(f"{year:04d}", f"{year:04d}", f"{year:04d}") for year in span]


def month_of_year(year: int, month: int) -> str:
    """"March 2011", "marzo de 2011": the locale's way to name a month of a year."""
    return date_format(date(year, month, 1), "YEAR_MONTH_FORMAT")


def build_timeline(facet: Facet) -> Timeline | None:
    """Bars for a date facet, oldest first; None when there is nothing to draw."""
    if not facet.values:
        return None
    by_value = {value.value: value for value in facet.values}
    tallest = max(value.count for value in facet.values) or 1
    bars = []
    for slot, (value, label, long_label) in enumerate(periods(facet)):
        found = by_value.get(value)
        count = found.count if found else 0
        height = round(max(2.0, BAR_AREA_HEIGHT * count / tallest), 1) if count else 0.0
        bars.append(
            Bar(
                label=label,
                description=gettext("%(period)s: %(articles)s") % {"period": long_label, "articles": articles(count)},
                count=count,
                url=found.url if found and count else None,
                selected=bool(found and found.selected),
                x=slot * SLOT_WIDTH + (SLOT_WIDTH - BAR_WIDTH) // 2,
                y=TOP + BAR_AREA_HEIGHT - height,
                height=height,
            )
        )
    if facet.heading:
        caption = gettext("Articles per month in %(year)s") % {"year": facet.heading}
    else:
        caption = gettext("Articles per year")
    return Timeline(caption, bars, width=len(bars) * SLOT_WIDTH)


def search_timeline(result) -> Timeline | None:
    """The timeline of a ``SearchResult``, from its date facet."""
    facet = next((facet for facet in result.facets if facet.name == "date"), None)
    return build_timeline(facet) if facet else None
