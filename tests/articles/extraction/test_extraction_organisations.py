"""Organisation aliases, the seed catalogue, and candidates for editors."""
import pytest

from articles.extraction import EntityMatcher, KnownEntity, seed_organisations
from articles.extraction.organisations import reuters_org_code_slugs


@pytest.fixture(scope="module")
def matcher():
    return EntityMatcher(seed_organisations())


@pytest.mark.parametrize(
    "text, slug",
    [
        ("The EC said farm prices would fall.", "european-community"),
        ("The European Economic Community met.", "european-community"),
        ("The Common Market agreed.", "european-community"),
        ("The European Commission proposed cuts.", "european-community"),
        ("The IMF approved a loan.", "international-monetary-fund"),
        ("OPEC output rose.", "organization-of-the-petroleum-exporting-countries"),
        ("The Drug Enforcement Administration said.", "drug-enforcement-administration"),
        ("Agents of the DEA said.", "drug-enforcement-administration"),
        ("The Zetas cartel threatened.", "los-zetas"),
    ],
)
def test_aliases_match_their_organisation(matcher, text, slug):
    assert slug in matcher.extract("", text).organisations


def test_all_caps_headline_matches_acronyms(matcher):
    assert "european-community" in matcher.extract("EC FARM MINISTERS MEET", "Ministers met.").organisations


def test_acronyms_that_are_english_words_are_ignored_in_all_caps(matcher):
    assert "world-health-organization" not in matcher.extract("WHO WILL PAY", "Nobody knows.").organisations
    assert "world-health-organization" in matcher.extract("", "The WHO warned of an outbreak.").organisations


def test_anonymous_sources_are_not_the_group(matcher):
    assert "anonymous" not in matcher.extract("", "Anonymous sources said the deal was off.").organisations
    assert "anonymous" in matcher.extract("", "Anonymous attacked the website.").organisations


def test_custom_catalogue_entities_are_matched():
    matcher = EntityMatcher([KnownEntity("Milenio", "milenio-newspaper", ("Grupo Milenio",))])
    assert matcher.extract("", "Grupo Milenio reported it.").organisations == {"milenio-newspaper"}


def test_organisation_candidates_exclude_known_names(matcher):
    extraction = matcher.extract("", "The Zetas warned the Veracruz Journalists Association and the Drug Enforcement Administration.")
    assert "Veracruz Journalists Association" in extraction.organisation_candidates
    assert "Drug Enforcement Administration" not in extraction.organisation_candidates


def test_seed_catalogue_holds_every_reuters_organisation_code():
    slugs = {organisation.slug for organisation in seed_organisations()}
    assert len(seed_organisations()) >= 200
    assert set(reuters_org_code_slugs().values()) <= slugs
    assert len(reuters_org_code_slugs()) == 56
