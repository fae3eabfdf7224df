"""Every ISO 3166-1 country, from pycountry: the list is maintained there, not typed here."""

import pycountry
from django.db import migrations


def country_name(country) -> str:
    return getattr(country, "common_name", None) or country.name


def create_countries(apps, schema_editor):
    Country = apps.get_model("articles", "Country")
    existing = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create(
        Country(code=country.alpha_2, name=country_name(country))
        for country in pycountry.countries
        if country.alpha_2 not in existing
    )


def delete_countries(apps, schema_editor):
    apps.get_model("articles", "Country").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(create_countries, delete_countries)]
