"""Institutions named by a demonym or a country and a kind: "Colombian Defence Ministry", "Spanish police"."""
import pytest

from articles.extraction import EntityMatcher, KnownEntity, seed_organisations
from articles.extraction.countries import find_place_mentions
from articles.extraction.institutions import catalogue_institutions, find_institutions, suggested_institution

# The sample archive's rows for the Operation Unmask victims, as an archive that loaded it holds them.
SAMPLE_VICTIMS = [
    KnownEntity("Colombian Ministry of National Defence", "colombian-ministry-of-national-defence", ("Colombian Defence Ministry",)),
    KnownEntity("National Library of Chile", "national-library-of-chile", ("Biblioteca Nacional de Chile",)),
    KnownEntity("Presidency of Colombia", "presidency-of-colombia"),
]
UNMASK_SENTENCE = (
    "A statement by Interpol said that arrests were made in Argentina, Chile, Colombia and Spain, after the websites of "
    "Columbian Defence Ministry and President, and the Chilean Library were hacked allegedly by the group."
)


@pytest.fixture(scope="module")
def matcher():
    return EntityMatcher(seed_organisations())


@pytest.fixture(scope="module")
def sample_matcher():
    return EntityMatcher([*seed_organisations(), *SAMPLE_VICTIMS])


def institutions(text):
    return [(text[found.start : found.end], found.key) for found in find_institutions(text, find_place_mentions(text, shouting=False))]


@pytest.mark.parametrize(
    "text, surface, key",
    [
        ("the Colombian Defence Ministry said", "Colombian Defence Ministry", ("CO", "ministry", "defence")),
        ("the Columbian Defence Ministry said", "Columbian Defence Ministry", ("CO", "ministry", "defence")),
        ("the Chilean Library was hacked", "Chilean Library", ("CL", "library", "")),
        ("Spanish police arrested three", "Spanish police", ("ES", "police", "")),
        ("the Mexican army patrolled", "Mexican army", ("MX", "army", "")),
        ("the French Foreign Ministry said", "French Foreign Ministry", ("FR", "ministry", "foreign")),
        ("the U.S. Treasury said", "U.S. Treasury", ("US", "treasury", "")),
        ("Japan's Finance Ministry said", "Japan's Finance Ministry", ("JP", "ministry", "finance")),
        ("the Syrian Ministry of Defense said", "Syrian Ministry of Defense", ("SY", "ministry", "defence")),
        ("the National Library of Chile said", "National Library of Chile", ("CL", "library", "")),
        ("Chile's national library was hacked", "Chile's national library", ("CL", "library", "")),
    ],
)
def test_a_demonym_or_country_and_a_kind_is_that_countrys_institution(text, surface, key):
    assert institutions(text) == [(surface, key)]


def test_national_and_spelling_do_not_tell_institutions_apart():
    assert institutions("Spanish National Police")[0][1] == institutions("the Spanish police")[0][1]
    assert institutions("Colombian Ministry of National Defence")[0][1] == institutions("Colombian Defense Ministry")[0][1]


def test_words_between_the_demonym_and_the_kind_must_be_a_name():
    assert institutions("Spanish authorities and police said") == []
    assert institutions("the Mexican government said") == []


def test_the_unmask_seed_sentence_merges_with_the_sample_catalogue(sample_matcher):
    extraction = sample_matcher.extract("Retaliation after arrests", UNMASK_SENTENCE)
    assert {"colombian-ministry-of-national-defence", "national-library-of-chile", "interpol"} <= extraction.organisations
    assert "CO" in extraction.countries


def test_institutions_the_catalogue_lacks_are_suggested_under_one_name(matcher):
    extraction = matcher.extract("Retaliation after arrests", UNMASK_SENTENCE)
    assert {"Ministry of Defence (Colombia)", "Library (Chile)"} <= extraction.organisation_candidates
    assert "Columbian Defence Ministry" not in extraction.organisation_candidates


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Spanish police arrested three men in Madrid.", "spanish-national-police"),
        ("The U.S. Treasury said it would act.", "us-treasury"),
        ("Japan's Finance Ministry said it would intervene.", "japanese-finance-ministry"),
        ("The Colombian police arrested five people in Bogota.", "colombian-national-police"),
    ],
)
def test_institutions_merge_with_their_catalogue_organisation(matcher, text, slug):
    assert slug in matcher.extract("", text).organisations


def test_an_institution_without_a_catalogue_entry_gets_a_consistent_name(matcher):
    extraction = matcher.extract("", "The Mexican army and the French Foreign Ministry said so.")
    assert {"Army (Mexico)", "Ministry of Foreign Affairs (France)"} <= extraction.organisation_candidates


def test_a_ministry_of_several_fields_keeps_and_in_lower_case():
    text = "the British Ministry of Trade and Industry said"
    (institution,) = find_institutions(text, find_place_mentions(text, shouting=False))
    assert institution.name == "Ministry of Trade and Industry (United Kingdom)"


def test_a_key_two_organisations_hold_is_not_guessed():
    rivals = [KnownEntity("Spanish National Police", "a"), KnownEntity("National Police of Spain", "b")]
    assert ("ES", "police", "") not in catalogue_institutions(rivals)


@pytest.mark.parametrize(
    "text",
    ["the Columbian Defence Ministry", "the Chilean Library", "the Mexican army", "the French Foreign Ministry", "Turkey's Central Bank"],
)
def test_the_suggested_name_reads_back_as_the_same_institution(text):
    (institution,) = find_institutions(text, find_place_mentions(text, shouting=False))
    assert suggested_institution(institution.name).key == institution.key


def test_an_approved_suggestion_claims_the_later_mentions():
    approved = [KnownEntity("Army (Mexico)", "army-mexico"), KnownEntity("Ministry of Defence (Colombia)", "ministry-of-defence-colombia")]
    extraction = EntityMatcher([*seed_organisations(), *approved]).extract("", UNMASK_SENTENCE + " The Mexican army was not involved.")
    assert {"ministry-of-defence-colombia", "army-mexico"} <= extraction.organisations
    assert "Ministry of Defence (Colombia)" not in extraction.organisation_candidates
