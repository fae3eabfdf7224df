"""Spanish aliases for the seed organisations ("Naciones Unidas", "FMI", "Cártel de Sinaloa"), and the two
national police forces that share "Policía Nacional", in archives seeded before they were in the list.

Aliases are only added: an alias an editor gave is kept, and an organisation an editor renamed is
found by its slug.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

SEED_FILE = Path(__file__).resolve().parent.parent / "extraction" / "data" / "organisations.json"


def add_seed_aliases(apps, schema_editor):
    Organisation = apps.get_model("articles", "Organisation")
    for item in json.loads(SEED_FILE.read_text(encoding="utf-8")):
        slug = item.get("slug") or slugify(item["name"])
        organisation = Organisation.objects.filter(slug=slug).first() or Organisation.objects.filter(name=item["name"]).first()
        if organisation is None:
            Organisation.objects.create(name=item["name"], slug=slug, aliases=item.get("aliases", []))
            continue
        missing = [alias for alias in item.get("aliases", []) if alias not in organisation.aliases and alias != organisation.name]
        if missing:
            organisation.aliases = organisation.aliases + missing
            organisation.save(update_fields=["aliases", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_fingerprint")]

    operations = [migrations.RunPython(add_seed_aliases, migrations.RunPython.noop)]
