"""What an entity's page shows: its articles over time, the latest ones, and who appears with it.

Everything about its articles comes from ``run_search`` filtered on the entity, so the page
agrees with the search page. Entities of another kind that appear with it come from that
search's facet counts and link to the combined search (``/?country=MX&organisation=anonymous``).
Entities of the same kind are counted in the database and link to their own page, because the
search ORs two values of one facet and so cannot ask for "MX and US".
"""

from dataclasses import dataclass

from django.db.models import Count

from search.params import SearchParams
from search.service import Hit, SearchResult, run_search

from .tag_kinds import TagKindEntry, tag_kind

LATEST_ARTICLES = 10
RELATED_PER_KIND = 10


@dataclass(frozen=True)
class Related:
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class RelatedGroup:
    label: str
    items: list[Related]
    same_kind: bool


@dataclass
class EntityPage:
    kind: TagKindEntry
    entity: object
    result: SearchResult
    related: list[RelatedGroup]

    @property
    def latest(self) -> list[Hit]:
        return self.result.hits[:LATEST_ARTICLES]

    @property
    def search_url(self) -> str:
        return self.result.params.url()

    @property
    def aliases(self) -> list[str]:
        return list(getattr(self.entity, "aliases", None) or [])


def entity_page(kind: TagKindEntry, entity) -> EntityPage:
    key = getattr(entity, kind.key)
    result = run_search(SearchParams(**{kind.field: (key,)}))
    related = []
    for other in result.facets:
        if other.name not in ("date", "language", kind.name):  # the tags that appear with it
            items = [Related(value.label, value.count, value.url) for value in other.values if value.count]
            related.append(RelatedGroup(tag_kind(other.name).plural, items[:RELATED_PER_KIND], same_kind=False))
    related.append(same_kind_related(kind, entity))
    return EntityPage(kind, entity, result, [group for group in related if group.items])


def same_kind_related(kind: TagKindEntry, entity) -> RelatedGroup:
    """The entities of its own kind tagged on the same articles, most shared articles first."""
    field = kind.name
    its_articles = kind.through.objects.filter(**{field: entity}).values("article")
    rows = (
        kind.through.objects.filter(article__in=its_articles)
        .exclude(**{field: entity})
        .values(f"{field}__{kind.key}", f"{field}__name")
        .annotate(shared=Count("article", distinct=True))
        .order_by("-shared", f"{field}__name")[:RELATED_PER_KIND]
    )
    keys = [row[f"{field}__{kind.key}"] for row in rows]
    items = [
        Related(kind.shown_name(key, row[f"{field}__name"]), row["shared"], kind.page_url(key)) for key, row in zip(keys, rows)
    ]
    return RelatedGroup(kind.plural, items, same_kind=True)
