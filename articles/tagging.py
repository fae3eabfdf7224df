"""Tags from extraction, and the editor decisions that extraction must respect.

An editor's choice wins: a tag an editor added is never removed by extraction, and a tag an
editor removed (a ``TagRejection``) is never added back. Extraction only adds and removes the
links it made itself.
"""

import threading
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.text import slugify

from .extraction import EntityMatcher, Extraction, KnownEntity
from .models import (
    Article,
    ArticleCountry,
    ArticleOperation,
    ArticleOrganisation,
    Country,
    Operation,
    Organisation,
    OrganisationSuggestion,
    SuggestionStatus,
    TagKind,
    TagOrigin,
    TagRejection,
)


@dataclass(frozen=True)
class TagLinkKind:
    """One of the three tag sets: its through-model and the name of the entity field on it."""

    kind: str
    link_model: type
    entity_field: str

    def links(self, article):
        return self.link_model.objects.filter(article=article)


TAG_LINK_KINDS = {
    TagKind.COUNTRY: TagLinkKind(TagKind.COUNTRY, ArticleCountry, "country"),
    TagKind.ORGANISATION: TagLinkKind(TagKind.ORGANISATION, ArticleOrganisation, "organisation"),
    TagKind.OPERATION: TagLinkKind(TagKind.OPERATION, ArticleOperation, "operation"),
}

_matcher_lock = threading.Lock()
_matcher_cache: dict = {}


def catalogue_version() -> tuple:
    """Changes whenever an organisation or operation is added, edited or deleted, in any process."""
    return tuple(
        tuple(model.objects.aggregate(n=Count("pk"), latest=Max("updated_at")).values())
        for model in (Organisation, Operation)
    )


def known_entities(model) -> list[KnownEntity]:
    return [KnownEntity(name, slug, tuple(aliases)) for name, slug, aliases in model.objects.values_list("name", "slug", "aliases")]


def entity_matcher() -> EntityMatcher:
    """The matcher for the current catalogue, built once per catalogue version and process."""
    version = catalogue_version()
    with _matcher_lock:
        if _matcher_cache.get("version") != version:
            _matcher_cache["matcher"] = EntityMatcher(known_entities(Organisation), known_entities(Operation))
            _matcher_cache["version"] = version
        return _matcher_cache["matcher"]


def extracted_entity_ids(extraction: Extraction) -> dict[str, set[int]]:
    """The database ids of what extraction found; operations it names for the first time are created."""
    countries = set(Country.objects.filter(code__in=extraction.countries).values_list("pk", flat=True))
    organisations = set(Organisation.objects.filter(slug__in=extraction.organisations).values_list("pk", flat=True))
    operations = {operation_for_mention(mention).pk for mention in extraction.operations}
    return {TagKind.COUNTRY: countries, TagKind.ORGANISATION: organisations, TagKind.OPERATION: operations}


def operation_for_mention(mention) -> Operation:
    """The operation a mention names, with the spellings seen recorded as aliases."""
    operation = Operation.objects.filter(slug=mention.slug).first()
    if operation is None:
        operation, _ = Operation.objects.get_or_create(
            name=mention.name, defaults={"slug": mention.slug or slugify(mention.name)}
        )
    new_aliases = [alias for alias in mention.aliases if alias != operation.name and alias not in operation.aliases]
    if new_aliases:
        operation.aliases = operation.aliases + new_aliases
        operation.save(update_fields=["aliases", "updated_at"])
    return operation


def suggestions_record(article: Article, names) -> None:
    """Propose new organisation names to editors; names they rejected are not proposed again."""
    for name in names:
        suggestion, created = OrganisationSuggestion.objects.get_or_create(
            name=name[:200], defaults={"mentions": 1, "example": article}
        )
        if not created and suggestion.status == SuggestionStatus.PENDING:
            OrganisationSuggestion.objects.filter(pk=suggestion.pk).update(mentions=suggestion.mentions + 1)


@transaction.atomic
def article_extract_tags(article: Article, *, matcher: EntityMatcher | None = None) -> dict[str, set[int]]:
    """Set the article's extracted tags from its text; editor tags and rejections stay as they are."""
    extraction = (matcher or entity_matcher()).extract(article.title, article.body, article.dateline)
    found = extracted_entity_ids(extraction)
    rejected: dict[str, set[int]] = {kind: set() for kind in TAG_LINK_KINDS}
    for kind, entity_id in TagRejection.objects.filter(article=article).values_list("kind", "entity_id"):
        rejected[kind].add(entity_id)
    for kind, link_kind in TAG_LINK_KINDS.items():
        field_id = f"{link_kind.entity_field}_id"
        existing = dict(link_kind.links(article).values_list(field_id, "origin"))
        wanted = found[kind] - rejected[kind]
        stale = {entity_id for entity_id, origin in existing.items() if origin == TagOrigin.EXTRACTED} - wanted
        for link in link_kind.links(article).filter(**{f"{field_id}__in": stale}):
            link.delete()
        for entity_id in wanted - set(existing):
            link_kind.link_model.objects.create(article=article, origin=TagOrigin.EXTRACTED, **{field_id: entity_id})
    suggestions_record(article, extraction.organisation_candidates)
    Article.objects.filter(pk=article.pk).update(extracted_at=timezone.now())
    return found


@transaction.atomic
def editor_tags_changed(article: Article, *, kind: str, added=(), removed=()) -> None:
    """Record an editor's additions (now editor tags) and removals (never to be re-extracted)."""
    link_kind = TAG_LINK_KINDS[kind]
    field_id = f"{link_kind.entity_field}_id"
    for entity_id in added:
        link_kind.links(article).filter(**{field_id: entity_id}).update(origin=TagOrigin.EDITOR)
        TagRejection.objects.filter(article=article, kind=kind, entity_id=entity_id).delete()
    for entity_id in removed:
        TagRejection.objects.get_or_create(article=article, kind=kind, entity_id=entity_id)
