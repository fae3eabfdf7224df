"""The one search function: validated parameters in, hits, facets and paging out.

The HTML page, the JSON API and the feeds are thin wrappers over ``run_search``. It speaks only
haystack's SearchQuerySet API, so the same code serves Whoosh, Elasticsearch or Solr.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.urls.converters import SlugConverter
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import ngettext
from haystack.constants import DEFAULT_OPERATOR
from haystack.inputs import AutoQuery
from haystack.query import SQ, SearchQuerySet

from articles.models import Article
from articles.tag_kinds import TAG_KINDS, field_per_tag_kind

from .engine.interface import SearchUnavailable
from .entity_names import entities_named
from .facets import DATE_FIELD, LANGUAGE_FACET, TAG_FACETS, VALUE_FACETS, Chip, Facet, active_chips, date_facet
from .params import PARAMETER_OF_TAG_FIELD, SORTS, SearchParams

SNIPPET_WORDS = 40
PLAIN_SNIPPET_CHARS = SNIPPET_WORDS * 50  # room for 40 words, however long
# How matched words are marked, asked of engines that take it (ours, Elasticsearch); haystack's
# stock Whoosh and Solr mark with <em>, which the stylesheet marks the same way.
HIGHLIGHT = ("<mark>", "</mark>")
SLUG = re.compile(SlugConverter.regex)
SLUG_MARKER = "slug-marker"


@dataclass(frozen=True)
class Tag:
    """One of a hit's tags; its link (a search for the tag) is built only where a page shows it."""

    value: str
    label: str
    attribute: str  # the SearchParams attribute of the tag's facet

    @property
    def url(self) -> str:
        return tag_search_url(self.attribute, self.value)

    @property
    def kind_name(self) -> str:
        """The tag kind's name (``country``): one loop over a hit's tags, not one per kind."""
        return PARAMETER_OF_TAG_FIELD[self.attribute]


@lru_cache(maxsize=4096)
def tag_search_url(attribute: str, value: str) -> str:
    """The search for one tag, the same on every page: a page of results links to a hundred tags."""
    return SearchParams().url(**{attribute: (value,)})


@dataclass(frozen=True)
@field_per_tag_kind(list[Tag])
class Hit:
    """One article found; its tags of each kind are ``countries`` and so on."""

    slug: str
    title: str
    url: str
    source_url: str | None
    published_at: datetime
    source: str
    snippet: SafeString
    language: str  # ISO 639-1, "" when unknown

    @cached_property
    def language_label(self) -> str:
        return LANGUAGE_FACET.labels([self.language]).get(self.language, "") if self.language else ""

    @cached_property
    def tag_groups(self) -> list[tuple]:
        """(kind, tags) for every kind, in the registry's order."""
        return [(kind, getattr(self, kind.field)) for kind in TAG_KINDS]

    @cached_property
    def tags(self) -> list[Tag]:
        return [tag for _, tags in self.tag_groups for tag in tags]


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass
class SearchResult:
    params: SearchParams
    hits: list[Hit]
    total: int
    page: int
    pages: int
    facets: list[Facet]
    chips: list[Chip]
    notices: list[str] = field(default_factory=list)
    suggestion: str | None = None
    suggestion_url: str | None = None

    @property
    def per_page(self) -> int:
        return settings.SEARCH_RESULTS_PER_PAGE

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)

    @property
    def previous_url(self) -> str | None:
        return self.params.url(page=self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.params.url(page=self.page + 1) if self.page < self.pages else None

    @property
    def page_links(self) -> list[PageLink]:
        """A window of pages around the current one, with the first and last."""
        numbers = {1, self.pages, *range(max(1, self.page - 3), min(self.pages, self.page + 3) + 1)}
        return [PageLink(n, self.params.url(page=n), n == self.page) for n in sorted(numbers) if n >= 1]

    @cached_property
    def sort_urls(self) -> dict[str, str]:
        return {sort: self.params.url(sort=sort) for sort in SORTS}

    @property
    def clear_url(self) -> str:
        return SearchParams().url()


def articles_matching(q: str) -> SearchQuerySet:
    """The articles matching the words ``q`` (every article for none), built in place on a new
    SearchQuerySet through haystack's SearchQuery API, as ``models`` and ``filter`` build them on
    a copy each (17 µs)."""
    sqs = SearchQuerySet()
    sqs.query.add_model(Article)
    if q:
        sqs.query.add_filter(SQ(text_or_named_entities(q)), use_or=DEFAULT_OPERATOR == "OR")
    return sqs


def text_or_named_entities(q: str) -> SQ:
    """The text query, or the tags of the entities whose name or alias ``q`` is exactly (ignoring
    case and accents): "Interpol" also finds the articles tagged Interpol whose text says "I.C.P.O.".

    People type an entity's name, and browsers search a suggestion's text, meaning the entity. An
    OR rather than a redirect to the entity's filter: articles that mention the name untagged stay
    found, the URL stays the one typed (shareable, and the same for every reader, since names match
    in every language of the site), and the entity's facet narrows to its tagged articles in a click.
    """
    query = SQ(content=AutoQuery(q))
    for kind in TAG_KINDS:
        keys = entities_named(kind, q)
        if keys:
            query |= SQ(**{f"{kind.field}__in": keys})
    return query


def matching_article_ids(q: str, limit: int) -> tuple[list[int], int]:
    """The ids of the ``limit`` articles that match ``q`` best, as the site's search finds and
    ranks them, and how many match in all. The admin's search asks this rather than reading every
    row with ``LIKE`` (2.0 s at a million articles, docs/performance.md). Raises SearchUnavailable
    as ``run_search`` does, where the index holds no articles."""
    sqs = articles_matching(q)
    ids = [int(hit.pk) for hit in sqs[:limit]]
    total = sqs.count()
    if not total:
        check_index_has_articles(known_empty=False)
    return ids, total


def narrowed(sqs: SearchQuerySet, params: SearchParams, leave_out: str | None = None) -> SearchQuerySet:
    """Apply every active filter except the facet ``leave_out`` (for that facet's own counts).

    The filters go in one narrowing query: haystack's stock Whoosh engine intersects several
    narrowing queries wrongly (an empty intersection filters nothing), one is right everywhere.
    """
    fragments = []
    for facet in VALUE_FACETS:
        values = facet.selected(params)
        if values and facet.name != leave_out:
            fragments.append(sqs.query.build_query_fragment(facet.field, "in", list(values)))
    if leave_out != "date":
        if params.date_from:
            fragments.append(sqs.query.build_query_fragment("published_at", "gte", params.date_from.first))
        if params.date_to:
            fragments.append(sqs.query.build_query_fragment("published_at", "lte", params.date_to.last))
    return sqs.narrow(" AND ".join(f"({fragment})" for fragment in fragments)) if fragments else sqs


def ordered(sqs: SearchQuerySet, params: SearchParams) -> SearchQuerySet:
    sort = params.effective_sort
    if sort == "newest" or (sort == "relevance" and not params.q):
        return sqs.order_by("-published_at")
    if sort == "oldest":
        return sqs.order_by("published_at")
    return sqs


def facet_counts(sqs: SearchQuerySet, fields) -> dict[str, list[tuple[str, int]]]:
    """Run a query for its facet counts only: no page of results and no ranking.

    ``count()`` would fetch and rank one result; the limits 0..0 ask for none (haystack's
    engines send them on; stock Whoosh, which needs a page, fetches one), and the order by date,
    which counts do not depend on, spares an engine that ranks from scoring the matches."""
    sqs = sqs.order_by("-published_at")  # this function's own clone, added to in place (run_search)
    for name in fields:
        sqs.query.add_field_facet(name)
    sqs.query.set_limits(0, 0)
    return known_values(sqs.facet_counts().get("fields", {}))


def known_values(counts: dict) -> dict[str, list[tuple[str, int]]]:
    """Facet counts without the count of documents that have no value (stock Whoosh gives it as None)."""
    return {name: [(value, n) for value, n in pairs if value is not None] for name, pairs in counts.items()}


def check_index_has_articles(known_empty: bool) -> None:
    """A search found nothing: if the index holds no article while the database has some, the
    index is missing or empty (any engine can tell through its count), and search is unavailable."""
    if (known_empty or not SearchQuerySet().models(Article).count()) and Article.objects.exists():
        raise SearchUnavailable("the search index holds no articles; run rebuild_index")


def run_search(params: SearchParams) -> SearchResult:
    per_page = settings.SEARCH_RESULTS_PER_PAGE
    base = articles_matching(params.q)
    selected = {facet.name for facet in VALUE_FACETS if facet.selected(params)}
    if params.date_from or params.date_to:
        selected.add("date")
    field_of = {facet.name: facet.field for facet in VALUE_FACETS} | {"date": DATE_FIELD}

    # Facets and highlighting are added in place, through haystack's SearchQuery API: each of
    # SearchQuerySet's ``facet`` and ``highlight`` copies the whole query (17 µs). Filters and sorts
    # make a new query; without them ``main`` is ``base`` itself, uncopied (33 µs): nothing below
    # narrows ``base`` again then, since a selected facet is a filter.
    main = ordered(narrowed(base, params), params)
    for name in field_of:
        if name not in selected:
            main.query.add_field_facet(field_of[name])
    if params.q:
        main.query.add_highlight(pre_tags=[HIGHLIGHT[0]], post_tags=[HIGHLIGHT[1]])

    notices = list(params.notices)
    page = params.page
    raw_hits = list(main[(page - 1) * per_page : page * per_page])
    total = main.count()
    if not raw_hits and page > 1:
        total = narrowed(articles_matching(params.q), params).count()  # stock Whoosh counts 0 hits for a page past the end
    if not total:
        check_index_has_articles(known_empty=not params.q and not selected)
    pages = max(1, math.ceil(total / per_page))
    if page > pages:
        if total:
            message = ngettext(
                "There is only %(pages)s page of results; showing the last.",
                "There are only %(pages)s pages of results; showing the last.",
                pages,
            )
            notices.append(message % {"pages": pages})
        page = pages
        raw_hits = list(main[(page - 1) * per_page : page * per_page])
    counts = known_values(main.facet_counts().get("fields", {}))
    for name in selected:
        counts.update(facet_counts(narrowed(base, params, leave_out=name), [field_of[name]]))

    facets = [date_facet(params, counts.get(DATE_FIELD, []))]
    facets += [facet.build(params, counts.get(facet.field, [])) for facet in VALUE_FACETS]
    labels = shown_labels(raw_hits, params)

    suggestion = spelling_suggestion(main, params.q) if params.q and total == 0 else None
    article_url = article_urls()
    return SearchResult(
        params=params,
        hits=[make_hit(raw, params, labels, article_url) for raw in raw_hits],
        total=total,
        page=page,
        pages=pages,
        facets=facets,
        chips=active_chips(params, labels),
        notices=notices,
        suggestion=suggestion,
        suggestion_url=params.url(q=suggestion) if suggestion else None,
    )


def spelling_suggestion(sqs: SearchQuerySet, q: str) -> str | None:
    """The engine's suggestion for the query, lowercased first (stock Whoosh's corrector is
    case-sensitive); None when it suggests nothing new."""
    suggestion = sqs.spelling_suggestion(q.lower())
    return suggestion if suggestion and suggestion.strip().lower() != q.strip().lower() else None


def article_urls() -> Callable[[str], str]:
    """``reverse("articles:detail", kwargs={"slug": slug})`` for a page of slugs: reversed once,
    with a marker slug where each goes (reverse took some 40 µs a hit). A slug outside the URL
    pattern's converter goes through ``reverse``, which refuses it as it always did."""
    before, after = article_url_parts(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)

    def article_url(slug: str) -> str:
        if SLUG.fullmatch(slug):  # letters, digits, "-" and "_": reverse's quoting keeps them
            return before + slug + after
        return reverse("articles:detail", kwargs={"slug": slug})

    return article_url


@lru_cache(maxsize=16)
def article_url_parts(script_prefix: str, urlconf) -> tuple[str, str]:
    """An article's URL before and after its slug, for the script prefix and URL configuration
    that ``reverse`` reads: the same on every page of a deployment (reversing took 45 µs)."""
    before, after = reverse("articles:detail", kwargs={"slug": SLUG_MARKER}, urlconf=urlconf).split(SLUG_MARKER)
    return before, after


def shown_labels(raw_hits, params: SearchParams) -> dict[str, dict[str, str]]:
    """The names of the values a page shows outside its facets, by facet: its hits' tags (as
    ``make_hit`` takes them) and the selected values (``active_chips``)."""
    return {
        facet.name: facet.labels(
            {*facet.selected(params), *(value for raw in raw_hits for value in getattr(raw, facet.field, None) or [])}
        )
        for facet in VALUE_FACETS
    }


def make_hit(raw, params: SearchParams, labels: dict[str, dict[str, str]], article_url: Callable[[str], str]) -> Hit:
    highlighted = (getattr(raw, "highlighted", None) or {}).get("text") or []
    snippet = mark_safe(highlighted[0]) if highlighted and highlighted[0] else plain_snippet(raw)

    def tags(facet) -> list[Tag]:
        values = getattr(raw, facet.field, None) or []
        known = labels.get(facet.name, {})
        return [Tag(value, known.get(value, value), facet.attribute) for value in values]

    return Hit(
        slug=raw.slug,
        title=raw.title,
        url=article_url(raw.slug),
        source_url=getattr(raw, "source_url", None) or None,
        published_at=raw.published_at,
        source=getattr(raw, "source", "") or "",
        snippet=snippet,
        language=next(iter(getattr(raw, "language", None) or []), ""),
        **{facet.attribute: tags(facet) for facet in TAG_FACETS},
    )


def plain_snippet(raw) -> SafeString:
    """Without a text query: the summary, or the start of the text, escaped. Only the start is
    read: splitting a whole stored body into words cost 0.5 s for 10 MB on every listing."""
    text = (getattr(raw, "summary", "") or getattr(raw, "text", "") or "")[:PLAIN_SNIPPET_CHARS]
    return escape(Truncator(" ".join(text.split())).words(SNIPPET_WORDS))
