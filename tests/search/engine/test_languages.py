"""Text analysed per language (search/engine/languages.py), on a real index on disk."""

import pytest
from haystack import connections
from haystack.query import SearchQuerySet

from articles.models import Article, LanguageOrigin
from search.engine.backend import TERM_OF, initial_of
from search.engine.languages import ENGLISH_ANALYZER, NEUTRAL_ANALYZER, SPANISH_ANALYZER, analysis_of
from search.indexing import reindex_articles
from tests.conftest import index_everything, marked
from tests.factories import ArticleFactory
from tests.search.helpers import search, slugs

pytestmark = pytest.mark.archive_engine  # stock Whoosh analyses every document as English

SPANISH_THREAT = (
    "El grupo Anonymous amenazó al cártel de Los Zetas en México después del secuestro de un "
    "activista en Veracruz. La Policía Nacional no confirmó las amenazas."
)
SPANISH_ARRESTS = (
    "La Policía Nacional detuvo a cuatro presuntos miembros de Anonymous en Málaga, Madrid y "
    "Barcelona en una operación coordinada por Interpol con Argentina, Chile y Colombia."
)
ENGLISH_THREAT = "Anonymous threatened the Zetas cartel in Mexico after an activist was kidnapped in Veracruz."
ENGLISH_STATS = "The ministry published its quarterly stats on internet use and mobile lines."
PORTUGUESE = "A polícia federal prendeu hackers ligados ao grupo Anonymous em São Paulo."


def terms(analyzer, text: str) -> list[str]:
    return [token.text for token in analyzer(text)]


def article(slug: str, body: str, language: str, title: str = "") -> Article:
    return ArticleFactory(
        slug=slug, title=title or slug.replace("-", " "), body=body, language=language,
        language_origin=LanguageOrigin.RECORD,
    )  # fmt: skip


@pytest.fixture
def bilingual_archive(db, search_index):
    article("es-threat", SPANISH_THREAT, "es", title="Anonymous amenaza a Los Zetas")
    article("es-arrests", SPANISH_ARRESTS, "es", title="Detenidos cuatro miembros de Anonymous")
    article("en-threat", ENGLISH_THREAT, "en", title="Anonymous threatens the Zetas")
    article("en-stats", ENGLISH_STATS, "en", title="Internet figures")
    article("pt-arrests", PORTUGUESE, "pt", title="Polícia prende hackers")
    index_everything()


def test_spanish_is_stemmed_with_snowball_and_english_with_porter():
    assert terms(SPANISH_ANALYZER, "amenazas amenazó amenazaron") == ["amenaz"] * 3
    assert terms(SPANISH_ANALYZER, "Policía policías policia") == ["polici"] * 3
    assert terms(SPANISH_ANALYZER, "operación operaciones operacion") == ["oper"] * 3
    assert terms(ENGLISH_ANALYZER, "threatened threats") == ["threaten", "threat"]


def test_spanish_stop_words_are_dropped_with_or_without_accents():
    assert terms(SPANISH_ANALYZER, "de la los más mas está esta") == []
    assert terms(SPANISH_ANALYZER, "golpe de estado") == ["golp", "estad"]  # a noun, kept


def test_accents_are_folded_in_every_analysis():
    assert terms(SPANISH_ANALYZER, "México") == terms(SPANISH_ANALYZER, "Mexico")
    assert terms(ENGLISH_ANALYZER, "México") == terms(ENGLISH_ANALYZER, "Mexico")
    assert terms(NEUTRAL_ANALYZER, "São Polícia") == ["sao", "policia"]


def test_languages_map_to_their_analysis():
    assert [analysis_of(code) for code in ("en", "", None, "es", "ES", "pt", "ca")] == ["", "", "", "es", "es", "other", "other"]


def test_a_spanish_inflection_finds_the_spanish_article(bilingual_archive):
    assert slugs(search("q=amenazas")) == {"es-threat"}
    assert slugs(search("q=detenidos")) == {"es-arrests"}


def test_an_english_inflection_still_finds_the_english_article(bilingual_archive):
    assert slugs(search("q=threatening")) == {"en-threat"}


def test_a_word_both_languages_share_finds_both(bilingual_archive):
    assert slugs(search("q=cartel")) == {"es-threat", "en-threat"}
    assert slugs(search("q=Veracruz")) == {"es-threat", "en-threat"}


def test_spanish_stop_words_find_nothing_in_spanish_articles(bilingual_archive):
    assert search("q=los").total == 0 or "es-threat" not in slugs(search("q=los"))
    assert "es-arrests" not in slugs(search("q=una"))


def test_stems_of_one_language_never_match_the_other():
    # Porter's "stat" (stats) and Snowball's "stat" (states, "estatal") are different fields.
    assert terms(ENGLISH_ANALYZER, "stats") == ["stat"]


def test_a_spanish_stem_does_not_find_an_english_word_with_the_same_stem(bilingual_archive):
    # "estados" is no stop word here and Snowball stems it to "estad"; English "stats" is "stat".
    assert "en-stats" not in slugs(search("q=statal"))


def test_another_language_is_indexed_as_written(bilingual_archive):
    assert slugs(search("q=prendeu")) == {"pt-arrests"}
    assert slugs(search("q=Policia")) >= {"pt-arrests"}


def test_a_negative_query_reads_each_article_in_its_language(bilingual_archive):
    remaining = slugs(search("q=Anonymous -México"))
    assert remaining == {"es-arrests", "pt-arrests"}


def test_a_phrase_is_matched_in_the_article_language(bilingual_archive):
    assert slugs(search('q="Policía Nacional"')) == {"es-threat", "es-arrests"}
    assert slugs(search('q="policias nacionales"')) == {"es-threat", "es-arrests"}  # stemmed, folded
    assert slugs(search('q="nacional policía"')) == set()


def test_snippets_mark_the_spanish_words_the_query_matched(bilingual_archive):
    hit = next(hit for hit in search("q=amenazas").hits if hit.slug == "es-threat")
    assert marked("amenazó") in str(hit.snippet)
    assert marked("amenazas") in str(hit.snippet)


def test_a_spanish_misspelling_gets_the_spanish_spelling(bilingual_archive):
    result = search("q=secuestrro")
    assert result.total == 0
    assert result.suggestion == "secuestro"


def test_a_search_makes_its_spelling_suggestion_only_when_asked(bilingual_archive, monkeypatch):
    """ArchiveWhooshQuery: a page of results costs no suggestion; asking for it makes one, once."""
    backend = connections["default"].get_backend()
    made = []
    original = type(backend).create_spelling_suggestion
    monkeypatch.setattr(
        type(backend), "create_spelling_suggestion", lambda self, *a, **k: made.append(a[0]) or original(self, *a, **k)
    )
    sqs = SearchQuerySet().auto_query("secuestrro")
    assert sqs.count() == 0 and made == []
    assert sqs.spelling_suggestion() == "secuestro"
    assert sqs.spelling_suggestion() == "secuestro"
    assert len(made) == 1


def test_a_word_known_in_one_language_gets_no_suggestion(bilingual_archive):
    assert SearchQuerySet().auto_query("amenazas").spelling_suggestion() is None


def test_more_like_this_reads_a_spanish_article_in_spanish(bilingual_archive):
    source = Article.objects.get(slug="es-arrests")
    similar = [result.object.slug for result in SearchQuerySet().more_like_this(source)]
    assert similar and similar[0] == "es-threat"
    assert "es-arrests" not in similar


def test_each_language_is_ranked_with_its_own_statistics(db, search_index):
    """Adding English articles changes no Spanish article's score: IDF and average length are
    those of the Spanish field's documents."""
    article("es-1", SPANISH_THREAT, "es")
    article("es-2", SPANISH_ARRESTS + " " + SPANISH_ARRESTS, "es")
    index_everything()
    before = {r.object.slug: r.score for r in SearchQuerySet().auto_query("Anonymous Policía")}
    english = [article(f"en-{number}", ENGLISH_THREAT + f" Report {number}.", "en").pk for number in range(30)]
    reindex_articles(english)  # only these: a Spanish article written again would count twice until merged
    after = {r.object.slug: r.score for r in SearchQuerySet().auto_query("Anonymous Policía") if r.object.slug.startswith("es-")}
    assert after == pytest.approx(before)


def test_the_first_letter_of_a_spanish_term_is_the_folded_first_letter_of_its_word():
    """What snippets' ``initial_of`` relies on: Snowball's Spanish stemmer removes suffixes only."""
    words = {word for text in (SPANISH_THREAT, SPANISH_ARRESTS) for word in text.split()}
    words |= {"Ávila", "Éxito", "Íñigo", "Óscar", "Úrsula", "ñandú", "árboles", "émbolos"}
    for word in words:
        term = TERM_OF["es"](word.strip(".,").lower())
        if term:
            assert term[0] == initial_of(word[0]), word
