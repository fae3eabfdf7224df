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


PASSING_IMF = (
    "Brazil's coffee exports rose in March, trade sources said.\n\n"
    "Shipments to Europe were strong, they said.\n\n"
    "Exporters expect more sales next month.\n\n"
    "Brazil is negotiating with the International Monetary Fund on its debt."
)


def test_a_passing_mention_deep_in_the_body_is_not_what_the_story_is_about(matcher):
    assert "international-monetary-fund" not in matcher.extract("BRAZIL COFFEE EXPORTS RISE", PASSING_IMF).organisations


def test_a_headline_mention_is_what_the_story_is_about(matcher):
    assert "international-monetary-fund" in matcher.extract("BRAZIL AND IMF TALK", PASSING_IMF).organisations


def test_a_mention_in_the_opening_two_paragraphs_is_enough(matcher):
    body = "Brazil's exports rose, sources said.\n\nThe IMF welcomed the figures.\n\nMore sales are expected."
    assert "international-monetary-fund" in matcher.extract("BRAZIL EXPORTS RISE", body).organisations


def test_two_mentions_further_on_are_enough(matcher):
    body = PASSING_IMF + "\n\nThe IMF said talks would go on."
    assert "international-monetary-fund" in matcher.extract("BRAZIL COFFEE EXPORTS RISE", body).organisations


def test_an_acronym_in_brackets_restates_the_name_and_is_not_a_second_mention(matcher):
    body = PASSING_IMF.replace("the International Monetary Fund", "the International Monetary Fund (IMF)")
    assert "international-monetary-fund" not in matcher.extract("BRAZIL COFFEE EXPORTS RISE", body).organisations


@pytest.mark.parametrize("bracketed", ["( IMF)", "(IMF )", "( IMF )"])
def test_an_acronym_in_brackets_with_spaces_inside_restates_the_name_too(matcher, bracketed):
    """Wire copy writes "the European Free Trade Association ( EFTA)": still one mention, not two."""
    body = PASSING_IMF.replace("the International Monetary Fund", f"the International Monetary Fund {bracketed}")
    assert "international-monetary-fund" not in matcher.extract("BRAZIL COFFEE EXPORTS RISE", body).organisations
    assert "international-monetary-fund" in matcher.extract("BRAZIL COFFEE EXPORTS RISE", body + " The IMF agreed.").organisations


def test_an_acronym_between_commas_restates_the_name_too(matcher):
    body = PASSING_IMF.replace("the International Monetary Fund on its debt.", "the International Monetary Fund, IMF, on its debt.")
    assert "international-monetary-fund" not in matcher.extract("BRAZIL COFFEE EXPORTS RISE", body).organisations
    assert "international-monetary-fund" in matcher.extract("BRAZIL COFFEE EXPORTS RISE", body + " The IMF agreed.").organisations


def test_a_national_institution_of_a_country_the_story_is_about_needs_one_mention(matcher):
    body = "Mexican police arrested four men in Veracruz, Mexico.\n\nThe men were held.\n\nNo one was hurt.\n\nA retired Drug Enforcement Administration agent said the cartel was weakened."
    assert "drug-enforcement-administration" in matcher.extract("", body, "WASHINGTON, Nov 3").organisations
    assert "drug-enforcement-administration" not in matcher.extract("", body, "MEXICO CITY, Nov 3").organisations


def test_a_name_broken_across_lines_is_found(matcher):
    body = "The Secretary-General of the African\nDevelopment Bank expressed confidence in its loans."
    assert "african-development-bank" in matcher.extract("", body).organisations


def test_an_acronym_spelling_the_initials_of_a_name_named_before_is_that_name(matcher):
    body = "The African Development Bank said its loans were safe. ADB lending exceeded one billion dlrs."
    extraction = matcher.extract("", body)
    assert "african-development-bank" in extraction.organisations
    assert "asian-development-bank" not in extraction.organisations


def test_long_acronyms_written_as_words_match(matcher):
    assert "organization-of-the-petroleum-exporting-countries" in matcher.extract("", "Opec members agreed to cut output.").organisations
    assert "general-agreement-on-tariffs-and-trade" in matcher.extract("", "The Gatt talks resumed in Geneva.").organisations


@pytest.mark.parametrize(
    "title, body",
    [
        ("ENGELHARD CORP <EC> SETS STOCK SPLIT", "Engelhard Corp set a two-for-one split."),
        ("ICO <ICO> TO BE DELISTED FROM AMEX", "ICO Inc said its shares would be delisted."),
        ("", "Imperial Oil <IMO.A> raised its crude postings."),
        ("", "Ing C Olivetti EC SpA chairman Carlo De Benedetti said."),
    ],
)
def test_tickers_and_company_names_are_not_the_organisation(matcher, title, body):
    found = matcher.extract(title, body).organisations
    assert not found & {"european-community", "international-coffee-organization", "international-maritime-organization"}


def test_non_opec_producers_are_not_opec(matcher):
    body = "Non-OPEC producers raised output.\n\nnon-OPEC supply rose."
    assert "organization-of-the-petroleum-exporting-countries" not in matcher.extract("", body).organisations
