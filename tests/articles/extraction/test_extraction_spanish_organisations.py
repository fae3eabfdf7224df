"""Organisations and operations named in Spanish, and the migration that gives seeded archives the aliases."""
import importlib
from pathlib import Path

import pytest
from django.apps import apps

from articles import migrations as migrations_package
from articles.extraction import EntityMatcher, KnownEntity, seed_organisations
from articles.models import Organisation


@pytest.fixture(scope="module")
def matcher():
    operations = [KnownEntity("Operation Cartel", "operation-cartel", ("OpCartel", "#OpCartel")), KnownEntity("Operation Unmask", "operation-unmask")]
    return EntityMatcher(seed_organisations(), operations)


@pytest.mark.parametrize(
    "text, slug",
    [
        ("La ONU condenó el ataque.", "united-nations"),
        ("Las Naciones Unidas condenaron el ataque.", "united-nations"),
        ("La Unión Europea y la UE votaron.", "european-union"),
        ("El Fondo Monetario Internacional aprobó el préstamo.", "international-monetary-fund"),
        ("El FMI aprobó el préstamo.", "international-monetary-fund"),
        ("El Banco Mundial prestó.", "world-bank"),
        ("La OPEP recortó la producción.", "organization-of-the-petroleum-exporting-countries"),
        ("La OTAN se reunió.", "north-atlantic-treaty-organization"),
        ("La OEA pidió elecciones.", "organization-of-american-states"),
        ("La Guardia Civil detuvo a dos.", "guardia-civil"),
        ("Los Carabineros de Chile informaron.", "carabineros"),
        ("El Cártel de Los Zetas amenazó.", "los-zetas"),
        ("El cártel de Sinaloa respondió.", "sinaloa-cartel"),
        ("La Interpol coordinó la operación.", "interpol"),
    ],
)
def test_spanish_organisation_aliases(matcher, text, slug):
    assert slug in matcher.extract("", text).organisations


def test_spanish_aliases_keep_their_reuters_codes():
    """OPEP, FMI, Banco Mundial are aliases of the seed rows that Reuters codes map to."""
    from articles.extraction.organisations import reuters_org_code_slugs

    codes = reuters_org_code_slugs()
    assert codes["opec"] == "organization-of-the-petroleum-exporting-countries" and codes["imf"] == "international-monetary-fund"


def test_policia_nacional_is_spains_in_a_story_about_spain(matcher):
    extraction = matcher.extract("", "La Policía Nacional detuvo a tres jóvenes en Madrid. España investiga los ataques.")
    assert "spanish-national-police" in extraction.organisations
    assert "colombian-national-police" not in extraction.organisations


def test_policia_nacional_is_colombias_in_a_story_about_colombia(matcher):
    extraction = matcher.extract("", "La Policía Nacional capturó a cinco personas.", "BOGOTÁ")
    assert extraction.organisations >= {"colombian-national-police"}
    assert "spanish-national-police" not in extraction.organisations


def test_policia_nacional_without_a_country_is_not_guessed(matcher):
    assert not {"spanish-national-police", "colombian-national-police"} & matcher.extract("", "La Policía Nacional informó.").organisations


def test_an_alias_held_twice_without_rival_countries_is_still_found():
    organisations = [KnownEntity("FBI", "fbi", ("Federal Bureau of Investigation",)), KnownEntity("Federal Bureau of Investigation", "federal-bureau-of-investigation", ("FBI",))]
    assert len(EntityMatcher(organisations).extract("", "The FBI said.").organisations) == 1


@pytest.mark.parametrize(
    "text, name",
    [
        ("Anonymous lanzó la Operación Cártel contra Los Zetas.", "Operation Cartel"),
        ("Anonymous lanzó la Operacion Cartel.", "Operation Cartel"),
        ("Detenidos en la Operación Unmask de la Interpol.", "Operation Unmask"),
        ("El Operativo Enjambre detuvo a alcaldes.", "Operation Enjambre"),
    ],
)
def test_spanish_operations_are_the_same_operation(matcher, text, name):
    assert [operation.name for operation in matcher.extract("", text).operations] == [name]


def test_operacion_cartel_is_the_known_opcartel_row(matcher):
    [operation] = matcher.extract("", "La Operación Cártel sigue.").operations
    assert operation.slug == "operation-cartel"


@pytest.mark.parametrize("text", ["La operación de rescate terminó.", "Operación de rescate en la sierra.", "Las operaciones continúan."])
def test_spanish_non_operations_are_ignored(matcher, text):
    assert matcher.extract("", text).operations == ()


def test_spanish_operation_is_not_an_organisation_candidate(matcher):
    assert not any("Operacion" in name for name in matcher.extract("", "La Operación Cártel de Anonymous.").organisation_candidates)


@pytest.mark.django_db
def test_migration_adds_spanish_aliases_to_a_seeded_archive():
    [path] = Path(migrations_package.__file__).parent.glob("*_spanish_aliases.py")  # whatever number it ends up with
    migration = importlib.import_module(f"articles.migrations.{path.stem}")
    Organisation.objects.filter(slug__in=["united-nations", "colombian-national-police"]).delete()
    Organisation.objects.create(name="United Nations", slug="united-nations", aliases=["UN", "U.N.", "an editor's alias"])
    migration.add_seed_aliases(apps, None)
    united_nations = Organisation.objects.get(slug="united-nations")
    assert {"Naciones Unidas", "ONU", "an editor's alias"} <= set(united_nations.aliases)
    assert "Policía Nacional" in Organisation.objects.get(slug="colombian-national-police").aliases


def test_an_acronym_in_brackets_stands_for_the_name_before_it(matcher):
    text = "La Organización Internacional del Café (OIC) recortó su previsión. Según la OIC, el precio subirá."
    assert matcher.extract("", text).organisations == {"international-coffee-organization"}


@pytest.mark.parametrize("text", ["Anonymous anunció la 'Operación Cártel' contra Los Zetas.", "Anonymous announced 'Operation Cartel' against the Zetas."])
def test_a_closing_quote_ends_the_operation_name(matcher, text):
    assert [(operation.name, operation.slug) for operation in matcher.extract("", text).operations] == [("Operation Cartel", "operation-cartel")]
