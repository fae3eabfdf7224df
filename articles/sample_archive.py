"""The sample archive shipped with the project: hacktivism news of 2010–2013, written for it."""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from .models import Article, LanguageOrigin
from .tag_kinds import TAG_KINDS

SAMPLE_ARCHIVE = Path(__file__).resolve().parent / "sample" / "sample_archive.json"


@dataclass(frozen=True)
class LoadSummary:
    created: int
    updated: int


def entity_upsert(model, *, name: str, aliases: list[str]):
    """The named entity (organisation, operation) of this name, created or given these aliases."""
    entity, created = model.objects.get_or_create(name=name, defaults={"slug": slugify(name), "aliases": aliases})
    if not created and aliases and sorted(entity.aliases) != sorted(set(entity.aliases) | set(aliases)):
        entity.aliases = sorted(set(entity.aliases) | set(aliases))
        entity.save(update_fields=["aliases"])
    return entity


@transaction.atomic
def sample_archive_load(*, path: Path = SAMPLE_ARCHIVE) -> LoadSummary:
    """Create or update the sample articles by slug; running it twice changes nothing."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    # Per kind, the entities its articles name: a fixed list's by key, the others' by name.
    catalogues = {}
    for kind in TAG_KINDS:
        if kind.fixed:
            catalogues[kind.name] = {getattr(entity, kind.key): entity for entity in kind.model.objects.all()}
        else:
            catalogues[kind.name] = {
                item["name"]: entity_upsert(kind.model, name=item["name"], aliases=item.get("aliases", []))
                for item in data[kind.field]
            }
    created = updated = 0
    for item in data["articles"]:
        fields = {
            "title": item["title"],
            "summary": item.get("summary", ""),
            "body": item.get("body", ""),
            "byline": item.get("byline", ""),
            "source": item.get("source", ""),
            "url": item.get("url") or None,
            "published_at": datetime.fromisoformat(item["published_at"]),
        }
        if item.get("language"):  # the writer's word; otherwise detected on save
            fields.update(language=item["language"], language_origin=LanguageOrigin.RECORD)
        article, was_created = Article.objects.get_or_create(slug=item["slug"], defaults=fields)
        if was_created:
            created += 1
        elif any(getattr(article, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(article, key, value)
            article.save()
            updated += 1
        for kind in TAG_KINDS:
            named = catalogues[kind.name]
            tag_links_set(article, kind.through, kind.name, [named[value] for value in item.get(kind.field, [])])
    return LoadSummary(created=created, updated=updated)


def tag_links_set(article, link_model, entity_field: str, entities):
    """Make these the article's editor tags of one kind, touching only links that change."""
    current = set(link_model.objects.filter(article=article).values_list(f"{entity_field}_id", flat=True))
    wanted = {entity.pk for entity in entities}
    link_model.objects.filter(article=article, **{f"{entity_field}_id__in": current - wanted}).delete()
    for entity_id in wanted - current:
        link_model.objects.create(article=article, **{f"{entity_field}_id": entity_id})
