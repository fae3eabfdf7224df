"""A few hundred well-known organisations with their aliases, from the extraction package's list."""

import json
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

SEED_FILE = Path(__file__).resolve().parent.parent / "extraction" / "data" / "organisations.json"


def seed_organisations(apps, schema_editor):
    Organisation = apps.get_model("articles", "Organisation")
    taken_names = set(Organisation.objects.values_list("name", flat=True))
    taken_slugs = set(Organisation.objects.values_list("slug", flat=True))
    new = []
    for item in json.loads(SEED_FILE.read_text(encoding="utf-8")):
        slug = item.get("slug") or slugify(item["name"])
        if item["name"] in taken_names or slug in taken_slugs:
            continue
        taken_names.add(item["name"])
        taken_slugs.add(slug)
        new.append(Organisation(name=item["name"], slug=slug, aliases=item.get("aliases", [])))
    Organisation.objects.bulk_create(new)


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_curation")]

    operations = [migrations.RunPython(seed_organisations, migrations.RunPython.noop)]
