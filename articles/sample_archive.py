"""The sample archive shipped with the project: hacktivism news of 2010–2013, written for it."""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from .models import Article, ArticleCountry, ArticleOperation, ArticleOrganisation, Country, Operation, Organisation

SAMPLE_ARCHIVE = Path(__file__).resolve().parent / "sample" / "sample_archive.json"


@dataclass(frozen=True)
class LoadSummary:
    created: int
    updated: int


def entity_upsert(model, *, name: str, aliases: list[str]):
    """The organisation or operation of this name, created or given these aliases."""
    entity, created = model.objects.get_or_create(name=name, defaults={"slug": slugify(name), "aliases": aliases})
    if not created and aliases and sorted(entity.aliases) != sorted(set(entity.aliases) | set(aliases)):
        entity.aliases = sorted(set(entity.aliases) | set(aliases))
        entity.save(update_fields=["aliases"])
    return entity


@transaction.atomic
def sample_archive_load(*, path: Path = SAMPLE_ARCHIVE) -> LoadSummary:
    """Create or update the sample articles by slug; running it twice changes nothing."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    organisations = {
        item["name"]: entity_upsert(Organisation, name=item["name"], aliases=item.get("aliases", []))
        for item in data["organisations"]
    }
    operations = {
        item["name"]: entity_upsert(Operation, name=item["name"], aliases=item.get("aliases", []))
        for item in data["operations"]
    }
    countries = {country.code: country for country in Country.objects.all()}
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
        article, was_created = Article.objects.get_or_create(slug=item["slug"], defaults=fields)
        if was_created:
            created += 1
        elif any(getattr(article, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(article, key, value)
            article.save()
            updated += 1
        tag_links_set(article, ArticleCountry, "country", [countries[code] for code in item.get("countries", [])])
        tag_links_set(article, ArticleOrganisation, "organisation", [organisations[n] for n in item.get("organisations", [])])
        tag_links_set(article, ArticleOperation, "operation", [operations[n] for n in item.get("operations", [])])
    return LoadSummary(created=created, updated=updated)


def tag_links_set(article, link_model, entity_field: str, entities):
    """Make these the article's editor tags of one kind, touching only links that change."""
    current = set(link_model.objects.filter(article=article).values_list(f"{entity_field}_id", flat=True))
    wanted = {entity.pk for entity in entities}
    link_model.objects.filter(article=article, **{f"{entity_field}_id__in": current - wanted}).delete()
    for entity_id in wanted - current:
        link_model.objects.create(article=article, **{f"{entity_field}_id": entity_id})
