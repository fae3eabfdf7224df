"""Countries in Spanish text: names, demonyms in every inflection, abbreviations, datelines, false places."""
import pytest

from articles.extraction import EntityMatcher, seed_organisations
from articles.extraction.countries import dateline_country, find_place_mentions, opening_dateline
from articles.extraction.spanish_names import inflect
from articles.extraction.text import fold_accents, reads_as_spanish


@pytest.fixture(scope="module")
def matcher():
    return EntityMatcher(seed_organisations())


def countries_in(text: str, shouting: bool = False) -> set[str]:
    """Every country named in Spanish text, before aboutness scoring."""
    folded = fold_accents(text)
    return {mention.place.country for mention in find_place_mentions(folded, shouting, spanish=True)}


@pytest.mark.parametrize(
    "text, country",
    [
        ("Estados Unidos pidió la extradición.", "US"),
        ("El Reino Unido votó.", "GB"),
        ("Los Países Bajos y Bélgica firmaron.", "NL"),
        ("Corea del Sur exporta chips.", "KR"),
        ("Rusia respondió.", "RU"),
        ("La policía de España detuvo a tres.", "ES"),
        ("Costa de Marfil exporta cacao.", "CI"),
        ("Detenidos en Nueva York.", "US"),
        ("La reunión fue en Londres.", "GB"),
        ("Ataques desde Pekín.", "CN"),
        ("Los jueces de Alemania.", "DE"),
    ],
)
def test_spanish_country_and_city_names(text, country):
    assert country in countries_in(text)


@pytest.mark.parametrize("text", ["Sanciones de EE.UU. a Venezuela.", "Sanciones de EE. UU. a Venezuela.", "Sanciones de EEUU a Venezuela."])
def test_abbreviations_of_the_united_states(text):
    assert "US" in countries_in(text)


def test_unidos_alone_is_not_a_country():
    assert countries_in("Los vecinos, unidos, marcharon. Unidos venceremos.") == set()


@pytest.mark.parametrize(
    "word, country",
    [
        ("mexicano", "MX"), ("mexicana", "MX"), ("mexicanos", "MX"), ("mexicanas", "MX"),
        ("estadounidense", "US"), ("estadounidenses", "US"),
        ("español", "ES"), ("española", "ES"), ("españoles", "ES"), ("españolas", "ES"),
        ("colombiano", "CO"), ("colombianos", "CO"), ("alemanes", "DE"), ("marroquíes", "MA"), ("belgas", "BE"),
    ],
)
def test_demonyms_in_every_gender_and_number(word, country):
    assert countries_in(f"Los detenidos, {word} según la policía, declararon.") == {country}


def test_inflection_rules():
    assert inflect("mexicano") == ["mexicano", "mexicana", "mexicanos", "mexicanas"]
    assert inflect("espanol") == ["espanol", "espanola", "espanoles", "espanolas"]
    assert inflect("estadounidense") == ["estadounidense", "estadounidenses"]
    assert inflect("marroqui") == ["marroqui", "marroquies", "marroquis"]


@pytest.mark.parametrize("text", ["La web está en inglés.", "Traducido al español por la agencia.", "Clases de chino en la escuela del barrio."])
def test_a_language_is_not_its_country(text):
    assert countries_in(text) == set()


@pytest.mark.parametrize(
    "dateline, country",
    [
        ("CIUDAD DE MÉXICO", "MX"), ("CIUDAD DE MEXICO", "MX"), ("Ciudad de México", "MX"),
        ("BOGOTÁ", "CO"), ("BOGOTA", "CO"), ("NUEVA YORK", "US"), ("LONDRES", "GB"), ("PEKÍN", "CN"),
        ("MADRID, 12 Jun", "ES"), ("BUENOS AIRES", "AR"),
    ],
)
def test_spanish_datelines(dateline, country):
    assert dateline_country(dateline) == country


def test_spanish_dateline_decides_the_country(matcher):
    assert matcher.extract("Capturan a un líder", "La policía capturó a un líder del cártel.", "CIUDAD DE MÉXICO").countries == {"MX"}


def test_spain_is_tagged_in_the_interpol_arrests_story(matcher):
    """The new user's report: AR, CL and CO were tagged, ES was not ("y España" ended the list)."""
    title = "Interpol detiene a 25 presuntos miembros de Anonymous"
    body = (
        "La Interpol anunció el martes la detención de 25 presuntos miembros de Anonymous en Argentina, "
        "Chile, Colombia y España, en el marco de la Operación Unmask.\n\nLas detenciones siguieron a ataques contra webs oficiales."
    )
    assert matcher.extract(title, body).countries == {"AR", "CL", "CO", "ES"}


@pytest.mark.parametrize(
    "text",
    [
        "Como cada año, los precios subieron.",
        "Para el gobierno, la cifra es buena.",
        "Nada indica que el tema vaya a cambiar.",
        "Habrá elecciones en otoño.",
        "Una reunión del gabinete terminó tarde.",
        "Libertad y justicia, pidieron los manifestantes.",
        "En América Latina crece la economía.",
    ],
)
def test_spanish_words_are_not_places(text):
    assert countries_in(text) == set()


@pytest.mark.parametrize("text", ["Chile habanero para la salsa.", "CHILE HABANERO SUBE DE PRECIO", "Chile jalapeño relleno."])
def test_chile_the_pepper_is_not_the_country(text):
    assert "CL" not in countries_in(text, shouting=text.isupper())


def test_chile_the_country_is_found():
    assert countries_in("Chile y Perú firmaron un acuerdo.") == {"CL", "PE"}


def test_america_is_the_continent_in_spanish_but_the_united_states_in_english(matcher):
    assert "US" not in matcher.extract("", "Los líderes de América se reunieron. América debe unirse, dijeron en la cumbre.").countries
    assert "US" in matcher.extract("America cuts tariffs", "America said it would cut tariffs.").countries


def test_spanish_person_names_are_not_places():
    assert "IL" not in countries_in("Israel Vargas, portavoz, declaró.")


def test_reads_as_spanish():
    assert reads_as_spanish("La policía de Colombia detuvo a los miembros del grupo en Bogotá.")
    assert not reads_as_spanish("The police in Colombia arrested members of the group in Bogota.")


@pytest.mark.parametrize(
    "title, body, countries",
    [
        ("", "Police in Spain arrested four people in Madrid.", {"ES"}),
        ("Mexican cartel threatens hackers", "The Zetas cartel in Mexico threatened Anonymous.", {"MX"}),
        ("JAPAN TRADE SURPLUS RISES", "Japan's trade surplus rose in March, the finance ministry said.", {"JP"}),
    ],
)
def test_english_extraction_is_unchanged(matcher, title, body, countries):
    assert matcher.extract(title, body).countries == countries


def test_accent_folding_of_all_caps_spanish_titles(matcher):
    assert "ES" in matcher.extract("DETENIDOS EN ESPAÑA TRES HACKERS", "La policía los detuvo.").countries


@pytest.mark.parametrize(
    "dateline, country",
    [("MENDOZA (Argentina), 29 jun", "AR"), ("LYON (Francia), 28 feb", "FR"), ("ALGECIRAS (Cádiz), 2 feb", "ES"), ("BOGOTÁ, 4 de marzo", "CO")],
)
def test_spanish_dateline_qualifiers_and_dates(dateline, country):
    assert dateline_country(dateline) == country


def test_a_dateline_shared_by_cities_of_similar_size_goes_to_the_country_named(matcher):
    assert dateline_country("SAN JOSE, April 23") == "US"
    body = "El Gobierno de Costa Rica denunció la presencia de militares en la frontera."
    assert matcher.extract("Denuncia en la frontera", body, "SAN JOSÉ, 2 nov").countries == {"CR"}


def test_spanish_names_of_us_states():
    assert countries_in("Un juez de Nueva Jersey y otro de Carolina del Norte.") == {"US"}


@pytest.mark.parametrize(
    "body, dateline",
    [
        ("MADRID, 10 jun (AIN) – La Policía Nacional ha detenido a tres personas.", "MADRID, 10 jun"),
        ("BOGOTÁ, 13 de abril.– Las páginas web de la Presidencia cayeron.", "BOGOTA, 13 de abril"),
        ("LYON (Francia), 28 feb (AIN) – Interpol anunció detenciones.", "LYON (Francia), 28 feb"),
        ("WASHINGTON — The FBI said on Monday.", "WASHINGTON"),
        ("Police in Spain arrested four people - officials said.", ""),
    ],
)
def test_a_dateline_opening_the_text_is_read(body, dateline):
    assert opening_dateline(body) == dateline


def test_the_opening_dateline_counts_when_no_dateline_is_given(matcher):
    body = "MADRID, 10 jun (AIN) – La policía detuvo a tres personas acusadas de coordinar los ataques."
    assert matcher.extract("Tres detenidos", body).countries == {"ES"}


@pytest.mark.parametrize("dateline, country", [("XALAPA, Ver., 21 sep", "MX"), ("MONTERREY, N.L.", "MX"), ("GREENWICH, Conn.", "US"), ("ATHENS, Ga., March 3", "US")])
def test_mexican_state_abbreviations_beside_the_ap_ones(dateline, country):
    assert dateline_country(dateline) == country
