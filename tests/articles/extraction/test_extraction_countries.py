"""Country detection: names, variants, demonyms, places inside countries, and each ambiguity rule."""
import pytest

from articles.extraction import EntityMatcher
from articles.extraction.countries import dateline_country, find_place_mentions
from articles.extraction.text import fold_accents


@pytest.fixture(scope="module")
def matcher():
    return EntityMatcher([])


def countries_in(text: str, shouting: bool = False) -> set[str]:
    """Every country named in text, before aboutness scoring."""
    return {mention.place.country for mention in find_place_mentions(fold_accents(text), shouting)}


@pytest.mark.parametrize(
    "text, country",
    [
        ("Talks with the United States resumed.", "US"),
        ("The U.S. economy grew.", "US"),
        ("Exports to the USA rose.", "US"),
        ("Britain said on Monday.", "GB"),
        ("The UK economy grew.", "GB"),
        ("West Germany cut rates.", "DE"),
        ("The Soviet Union bought wheat.", "RU"),
        ("A Mexican newspaper said.", "MX"),
        ("The Chilean library was hacked.", "CL"),
        ("British officials said.", "GB"),
        ("The Columbian Defence Ministry was hacked.", "CO"),
        ("Members were kidnapped in Veracruz.", "MX"),
        ("Bodies hung from a bridge in Nuevo Laredo.", "MX"),
        ("Grain board figures from Buenos Aires.", "AR"),
        ("Shares fell in Tokyo.", "JP"),
        ("Traders in New York said.", "US"),
        ("Peking signed the accord.", "CN"),
    ],
)
def test_names_variants_demonyms_and_places_map_to_their_country(text, country):
    assert country in countries_in(text)


def test_accents_are_folded():
    assert countries_in("La policía de México dijo.") == {"MX"}
    assert countries_in("Mexico said.") == {"MX"}


def test_georgia_is_the_us_state_without_caucasus_cues(matcher):
    assert "US" in matcher.extract("", "Farmers in Georgia harvested peanuts. Georgia growers expect more.").countries


def test_georgia_is_the_country_with_caucasus_cues(matcher):
    body = "Georgia held elections. Voters in Tbilisi queued as Georgia chose a parliament."
    extraction = matcher.extract("", body)
    assert "GE" in extraction.countries and "US" not in extraction.countries


@pytest.mark.parametrize("text", ["Michael Jordan scored.", "Mr Jordan said.", "Jordan Smith wrote."])
def test_jordan_as_a_person_is_not_the_country(text):
    assert "JO" not in countries_in(text)


def test_jordan_as_a_country_is_found():
    assert "JO" in countries_in("Jordan said it would buy wheat.")


@pytest.mark.parametrize("text", ["Chad Johnson said.", "Mr Chad said."])
def test_chad_as_a_person_is_not_the_country(text):
    assert "TD" not in countries_in(text)


def test_chad_the_country_is_found():
    assert "TD" in countries_in("Chad and Libya fought.")


@pytest.mark.parametrize("text", ["Turkey prices rose for Thanksgiving.", "Roast Turkey breast is cheap.", "U.S. TURKEY PRODUCTION UP"])
def test_turkey_the_food_is_not_the_country(text):
    assert "TR" not in countries_in(text, shouting=text.isupper())


def test_turkey_the_country_is_found():
    assert "TR" in countries_in("Turkey and Greece met in Ankara.")


@pytest.mark.parametrize("text", ["Fine China plates were sold.", "CHINA PLATES FETCH RECORD"])
def test_china_plates_are_not_the_country(text):
    assert "CN" not in countries_in(text, shouting=text.isupper())


def test_lower_case_china_is_ignored_in_mixed_case_text():
    assert countries_in("She collects china and silver.") == set()


def test_guinea_pig_is_not_the_country():
    assert "GN" not in countries_in("The Guinea pig was tested.")
    assert "GN" in countries_in("Guinea exports bauxite.")


def test_us_pronoun_in_all_caps_text_is_ignored():
    assert "US" not in countries_in("LET US KNOW WHAT YOU THINK", shouting=True)
    assert "US" in countries_in("U.S. TRADE DEFICIT WIDENS", shouting=True)


def test_us_pronoun_after_let_is_ignored_in_mixed_case():
    assert "US" not in countries_in("Please let US know.")
    assert "US" in countries_in("The US trade deficit widened.")


def test_cities_that_are_common_words_or_first_names_are_not_places():
    assert countries_in("Reading the report, Mobile users split.") == set()
    assert countries_in("Austin Powers arrived.") == set()


def test_latin_america_blocks_america():
    assert countries_in("Debt in Latin America rose.") == set()


def test_all_caps_title_is_matched():
    assert countries_in("ARGENTINE GRAIN BOARD FIGURES", shouting=True) == {"AR"}


@pytest.mark.parametrize(
    "dateline, country",
    [("SALVADOR, Feb 26", "BR"), ("NEW YORK, March 3", "US"), ("PORTLAND, Ore., Feb 26", "US"),
     ("VANCOUVER, B.C., March 2", "CA"), ("LONDON, April 1", "GB"), ("", "")],
)
def test_dateline_maps_to_its_country(dateline, country):
    assert dateline_country(dateline) == country


def test_dateline_alone_makes_the_article_about_its_country(matcher):
    assert matcher.extract("COMPANY RAISES DIVIDEND", "The company said it raised its dividend.", "NEW YORK, March 3").countries == {"US"}


def test_single_passing_mention_deep_in_body_is_dropped(matcher):
    body = "Wheat prices rose in Kansas City.\n    Traders were cautious.\n    One dealer recalled a sale to Peru."
    assert "PE" not in matcher.extract("WHEAT PRICES RISE", body, "KANSAS CITY, March 3").countries
