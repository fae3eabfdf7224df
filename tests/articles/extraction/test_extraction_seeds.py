"""The two hacktivism seed articles: the entities an editor would tag."""
from pathlib import Path

import pytest

from articles.extraction import EntityMatcher, KnownEntity, seed_organisations

SEEDS = Path(__file__).resolve().parents[3] / ".." / "shared" / "seeds"


def read_seed(prefix: str) -> tuple[str, str]:
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix} not found under {SEEDS}")
    title, _, body = matches[0].read_text(encoding="utf-8").partition("\n")
    return title, body


@pytest.fixture(scope="module")
def matcher():
    return EntityMatcher(seed_organisations())


def test_operation_unmask_seed_finds_countries_and_organisations(matcher):
    extraction = matcher.extract(*read_seed("000"))
    assert {"AR", "CL", "CO", "ES"} <= extraction.countries
    assert {"interpol", "anonymous"} <= extraction.organisations
    assert [operation.name for operation in extraction.operations] == ["Operation Unmask"]


def test_opcartel_seed_finds_countries_and_organisations(matcher):
    extraction = matcher.extract(*read_seed("004"))
    assert {"MX", "US"} <= extraction.countries
    assert {"los-zetas", "drug-enforcement-administration", "anonymous", "stratfor"} <= extraction.organisations


def test_opcartel_seed_yields_exactly_one_operation(matcher):
    extraction = matcher.extract(*read_seed("004"))
    assert len(extraction.operations) == 1
    operation = extraction.operations[0]
    assert (operation.name, operation.slug) == ("Operation Cartel", "operation-cartel")
    assert "OpCartel" in operation.aliases


def test_opcartel_seed_uses_known_operation_slug():
    known = KnownEntity("Operation Cartel", "opcartel-2011", ("OpCartel", "#OpCartel"))
    extraction = EntityMatcher(seed_organisations(), [known]).extract(*read_seed("004"))
    assert [operation.slug for operation in extraction.operations] == ["opcartel-2011"]


def test_operation_unmask_seed_names_the_colombian_defence_ministry_and_the_chilean_library():
    """Issue 13: the seed's "Columbian Defence Ministry" (misspelt) and "Chilean Library" are those countries'
    institutions: suggested under one name with the seed catalogue, merged with the rows an archive holds."""
    title, body = read_seed("000")
    extraction = EntityMatcher(seed_organisations()).extract(title, body)
    assert {"Ministry of Defence (Colombia)", "Library (Chile)"} <= extraction.organisation_candidates
    assert "Columbian Defence Ministry" not in extraction.organisation_candidates
    victims = [
        KnownEntity("Colombian Ministry of National Defence", "colombian-ministry-of-national-defence", ("Colombian Defence Ministry",)),
        KnownEntity("National Library of Chile", "national-library-of-chile"),
    ]
    merged = EntityMatcher([*seed_organisations(), *victims]).extract(title, body)
    assert {"colombian-ministry-of-national-defence", "national-library-of-chile"} <= merged.organisations
    assert not {"Ministry of Defence (Colombia)", "Library (Chile)"} & merged.organisation_candidates
