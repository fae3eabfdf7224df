"""Language detection (articles/language.py) on news text written for these tests.

The sentences are ours, in the archive's beat: arrests, cartels, Interpol. Each case names the code it
expects, so a detector that confused Spanish with Portuguese, read capitals as another language or
guessed on a word would fail here.
"""

import socket
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from articles import language
from articles.language import (
    MAX_CHARS,
    article_language,
    detect_language,
    expected_languages,
    is_language_code,
    language_name,
)

ENGLISH = [
    "Police in Argentina, Chile and Colombia arrested 25 people suspected of belonging to Anonymous.",
    "The cartel threatened reporters in Veracruz, according to a statement released on Tuesday.",
    "Interpol said the suspects, aged between 17 and 40, had attacked government websites.",
]
SPANISH = [
    "La Policía Nacional detuvo el martes en Madrid a cuatro presuntos miembros de Anonymous.",
    "El cártel amenazó a los periodistas de Veracruz, según informó el diario Milenio.",
    "Interpol aseguró que los detenidos, de entre 17 y 40 años, atacaron páginas del Gobierno.",
]
PORTUGUESE = [
    "A Polícia Federal prendeu nesta terça-feira quatro suspeitos de integrar o grupo Anonymous.",
    "O cartel ameaçou os jornalistas de Veracruz, segundo informou o jornal Milenio.",
]
CAPS_HEADLINES = [
    "INTERPOL ARRESTS 25 SUSPECTED ANONYMOUS HACKERS",
    "U.S. SAYS TRADE DEFICIT WIDENED IN JANUARY",
    "POLICE SEIZE COMPUTERS IN RAIDS ACROSS FOUR COUNTRIES",
]


@pytest.mark.parametrize("sentence", ENGLISH)
def test_english_news_is_en(sentence):
    assert detect_language(sentence) == "en"


@pytest.mark.parametrize("sentence", SPANISH)
def test_spanish_news_is_es(sentence):
    assert detect_language(sentence) == "es"


@pytest.mark.parametrize("sentence", PORTUGUESE)
def test_portuguese_is_not_taken_for_spanish(sentence):
    assert detect_language(sentence) == "pt"


@pytest.mark.parametrize("headline", CAPS_HEADLINES)
def test_all_caps_english_headlines_are_en(headline):
    assert detect_language(headline) == "en"


@pytest.mark.parametrize("headline", ["DETENIDOS CUATRO HACKERS EN MADRID", "LA POLICÍA NACIONAL DESMANTELA UNA RED DE PIRATAS"])
def test_all_caps_spanish_headlines_are_es(headline):
    assert detect_language(headline) == "es"


def test_spanish_with_and_without_accents_is_es():
    accented = "La policía detuvo a cuatro jóvenes en Córdoba y León por los ataques informáticos."
    plain = "La policia detuvo a cuatro jovenes en Cordoba y Leon por los ataques informaticos."
    assert detect_language(accented) == detect_language(plain) == "es"


def test_a_spanish_article_quoting_english_is_es():
    text = (
        "El portavoz de Interpol, Bernd Rossbach, declaró en inglés: \"This operation shows that crime "
        "in the virtual world does have real consequences\". La organización añadió que los detenidos "
        "serán juzgados en sus países y que la investigación sigue abierta."
    )
    assert detect_language(text) == "es"


@pytest.mark.parametrize("text", ["", "   ", "OK", "Hola", "EE.UU.", "2012-03-01 14:00", "¡¿?!"])
def test_too_short_text_is_undecided(text):
    assert detect_language(text) == ""


def test_a_clear_language_outside_the_expected_ones_is_named():
    dutch = "De politie heeft dinsdag in Amsterdam vier verdachten van computeraanvallen gearresteerd."
    assert "nl" not in expected_languages()
    assert detect_language(dutch) == "nl"


def test_an_unsure_language_outside_the_expected_ones_is_not_named(settings):
    moderately_spanish = "Los Mossos detienen a dos jóvenes en Girona"
    assert detect_language(moderately_spanish) == "es"
    settings.ARTICLE_LANGUAGES = ["en", "pt"]
    assert detect_language(moderately_spanish) == ""
    assert detect_language(SPANISH[0]) == "es"  # sure enough to be named all the same


def test_an_empty_setting_expects_every_language(settings):
    settings.ARTICLE_LANGUAGES = []
    assert expected_languages() == ()
    assert detect_language("Los Mossos detienen a dos jóvenes en Girona") == "es"


def test_a_setting_that_is_not_iso_639_1_fails_loudly(settings):
    settings.ARTICLE_LANGUAGES = ["en", "spa"]
    with pytest.raises(ImproperlyConfigured, match="spa"):
        expected_languages()


def test_article_language_reads_title_summary_and_body():
    assert article_language("Detenidos cuatro hackers", "", SPANISH[1]) == "es"
    assert article_language("", ENGLISH[0], "") == "en"
    assert article_language("OK", "", "") == ""
    assert article_language("Detenidos cuatro hackers en Madrid", None, None) == "es"  # fields left empty


def test_article_language_reads_only_the_start_of_a_long_body():
    spanish_start = " ".join(SPANISH * 40)[:MAX_CHARS]
    body = spanish_start + " " + " ".join(ENGLISH * 400)
    assert len(body) > 20 * MAX_CHARS
    assert article_language("", "", body) == "es"


def test_the_detector_is_loaded_once_when_threads_race(monkeypatch):
    language._load_detector.cache_clear()
    barrier = threading.Barrier(6)
    answers = []

    def detect():
        barrier.wait()
        answers.append(detect_language(ENGLISH[0]))

    threads = [threading.Thread(target=detect) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["en"] * 6
    assert language._load_detector.cache_info().misses == 1


def test_loading_and_detecting_open_no_connection(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("language detection tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    language._load_detector.cache_clear()
    assert detect_language(SPANISH[0]) == "es"


@pytest.mark.parametrize("code", ["en", "es", "pt", "ca", "nl", "zh"])
def test_iso_639_1_codes_are_language_codes(code):
    assert is_language_code(code)


@pytest.mark.parametrize("code", ["", "ES", "Es", "spa", "xx", "e", "es-ES", " es", "ñe", None, 12])
def test_other_values_are_not_language_codes(code):
    assert not is_language_code(code)


def test_language_names_follow_the_active_language():
    with translation.override("en"):
        assert language_name("es") == "Spanish"
        assert language_name("en") == "English"
    with translation.override("es"):
        assert language_name("es") == "Español"
        assert language_name("en") == "Inglés"
    assert language_name("xx") == ""
    assert language_name("") == ""
