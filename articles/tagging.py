"""Tags from extraction, and the editor decisions that extraction must respect.

An editor's choice wins: a tag an editor added is never removed by extraction, and a tag an
editor removed (a ``TagRejection``) is never added back. Extraction only adds and removes the
links it made itself.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.text import slugify

from .extraction import stored
from .extraction.entities import Extraction, KnownEntity
from .models import Article, OrganisationSuggestion, SuggestionStatus, TagOrigin, TagRejection
from .tag_kinds import TAG_KINDS, TagKindEntry, tag_kind

if TYPE_CHECKING:
    from .extraction.matcher import EntityMatcher

log = logging.getLogger(__name__)
_matcher_lock = threading.Lock()
_matcher_cache: dict = {}


def catalogue_version() -> tuple:
    """Changes whenever a named entity (not a country) is added, edited or deleted, in any process."""
    return tuple(
        tuple(kind.model.objects.aggregate(n=Count("pk"), latest=Max("updated_at")).values())
        for kind in TAG_KINDS
        if not kind.fixed
    )


def known_entities(model) -> list[KnownEntity]:
    return [KnownEntity(name, slug, tuple(aliases)) for name, slug, aliases in model.objects.values_list("name", "slug", "aliases")]


def entity_matcher() -> EntityMatcher:
    """The matcher for the current catalogue, loaded once per catalogue version and process.

    Loaded on first use (or by a gunicorn worker's warm-up, ``WARM_UP_ENTITY_MATCHER``) from the
    files of the extraction store (``articles/extraction/stored.py``), which a child process builds
    once per catalogue and release: loading costs a process about 17-20 MB of PSS and 0.2-0.4 s, where
    building cost 120 MB and 2-5 s (docs/memory.md). A process that never extracts neither loads
    it nor imports the extraction modules.
    """
    version = catalogue_version()
    with _matcher_lock:
        if _matcher_cache.get("version") != version:
            catalogues = {kind.field: known_entities(kind.model) for kind in TAG_KINDS if not kind.fixed}
            key = stored.matcher_key(catalogues)
            if _matcher_cache.get("key") != key:
                _matcher_cache["matcher"] = matcher_for(catalogues)
                _matcher_cache["key"] = key
            _matcher_cache["version"] = version
        return _matcher_cache["matcher"]


def matcher_for(catalogues: dict[str, list[KnownEntity]]) -> EntityMatcher:
    """The stored matcher; built here, as before the store, only if the store fails (logged), so
    that a save never fails for want of the store."""
    try:
        return stored.stored_matcher(settings.ENTITY_MATCHER_DIR, catalogues)
    except (stored.StoreError, OSError, subprocess.SubprocessError):
        log.exception("Entity matcher not loaded from the store %s; building it in this process", settings.ENTITY_MATCHER_DIR)
        from .extraction.matcher import EntityMatcher

        return EntityMatcher(**catalogues)


def extracted_entity_ids(extraction: Extraction) -> dict[str, set[int]]:
    """The database ids of what extraction found, by kind; new ones it names are created (operations)."""
    found = {}
    for kind in TAG_KINDS:
        named = getattr(extraction, kind.field)
        if kind.extraction_creates:
            found[kind.name] = {entity_for_mention(kind.model, mention).pk for mention in named}
        else:
            found[kind.name] = set(kind.model.objects.filter(**{f"{kind.key}__in": named}).values_list("pk", flat=True))
    return found


def entity_for_mention(model, mention):
    """The entity a mention names (an operation), with the spellings seen recorded as aliases."""
    entity = model.objects.filter(slug=mention.slug).first()
    if entity is None:
        slug = mention.slug or slugify(mention.name)
        entity, _ = model.objects.get_or_create(name=mention.name, defaults={"slug": slug})
    new_aliases = [alias for alias in mention.aliases if alias != entity.name and alias not in entity.aliases]
    if new_aliases:
        entity.aliases = entity.aliases + new_aliases
        entity.save(update_fields=["aliases", "updated_at"])
    return entity


def suggestions_record(article: Article, names) -> None:
    """Propose new organisation names to editors; names they rejected are not proposed again."""
    for name in names:
        suggestion, created = OrganisationSuggestion.objects.get_or_create(
            name=name[:200], defaults={"mentions": 1, "example": article}
        )
        if not created and suggestion.status == SuggestionStatus.PENDING:
            OrganisationSuggestion.objects.filter(pk=suggestion.pk).update(mentions=suggestion.mentions + 1)


def tag_links(kind: TagKindEntry, article):
    """The article's links to entities of one kind (its through-model's rows)."""
    return kind.through.objects.filter(article=article)


@transaction.atomic
def article_extract_tags(article: Article, *, matcher: EntityMatcher | None = None) -> dict[str, set[int]]:
    """Set the article's extracted tags from its text; editor tags and rejections stay as they are."""
    extraction = (matcher or entity_matcher()).extract(article.title, article.body, article.dateline)
    found = extracted_entity_ids(extraction)
    rejected: dict[str, set[int]] = {kind.name: set() for kind in TAG_KINDS}
    for kind_name, entity_id in TagRejection.objects.filter(article=article).values_list("kind", "entity_id"):
        rejected[kind_name].add(entity_id)
    for kind in TAG_KINDS:
        field_id = f"{kind.name}_id"
        existing = dict(tag_links(kind, article).values_list(field_id, "origin"))
        wanted = found[kind.name] - rejected[kind.name]
        stale = {entity_id for entity_id, origin in existing.items() if origin == TagOrigin.EXTRACTED} - wanted
        for link in tag_links(kind, article).filter(**{f"{field_id}__in": stale}):
            link.delete()
        for entity_id in wanted - set(existing):
            kind.through.objects.create(article=article, origin=TagOrigin.EXTRACTED, **{field_id: entity_id})
    suggestions_record(article, extraction.organisation_candidates)
    Article.objects.filter(pk=article.pk).update(extracted_at=timezone.now())
    return found


@transaction.atomic
def editor_tags_changed(article: Article, *, kind: str, added=(), removed=()) -> None:
    """Record an editor's additions (now editor tags) and removals (never to be re-extracted)."""
    links_kind = tag_kind(kind)
    field_id = f"{links_kind.name}_id"
    for entity_id in added:
        tag_links(links_kind, article).filter(**{field_id: entity_id}).update(origin=TagOrigin.EDITOR)
        TagRejection.objects.filter(article=article, kind=kind, entity_id=entity_id).delete()
    for entity_id in removed:
        TagRejection.objects.get_or_create(article=article, kind=kind, entity_id=entity_id)
