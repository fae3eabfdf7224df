"""An article's language: detected at save and import, given by records, offered as a facet and filter."""

import importlib
import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import translation

from articles.models import Article, LanguageOrigin
from tests.conftest import index_everything
from tests.factories import ArticleFactory

from .helpers import facet_counts, search, slugs

SPANISH = (
    "La Policía Nacional detuvo este martes en Madrid a cuatro presuntos integrantes del grupo Anonymous, "
    "acusados de atacar las páginas web de varios organismos públicos."
)
ENGLISH = "Police in Madrid arrested four suspected members of the Anonymous group on Tuesday over attacks on public websites."
PORTUGUESE = "A Polícia Federal prendeu nesta terça-feira em São Paulo quatro suspeitos de integrar o grupo Anonymous."


@pytest.fixture
def languages_archive(db, search_index):
    ArticleFactory(slug="es-1", title="Detenidos cuatro miembros de Anonymous", body=SPANISH)
    ArticleFactory(slug="es-2", title="La policía detiene a hackers en Madrid", body=SPANISH + " Fueron liberados.")
    ArticleFactory(slug="en-1", title="Four Anonymous suspects arrested in Madrid", body=ENGLISH)
    ArticleFactory(slug="pt-1", title="Polícia prende suspeitos do Anonymous", body=PORTUGUESE)
    index_everything()


def test_the_language_is_detected_when_an_article_is_saved(db):
    article = ArticleFactory(title="Detenidos cuatro miembros de Anonymous", body=SPANISH)
    assert (article.language, article.language_origin) == ("es", LanguageOrigin.DETECTED)
    article.body, article.title = ENGLISH, "Four Anonymous suspects arrested"
    article.save()
    assert article.language == "en"  # detection follows the text


def test_a_language_someone_chose_is_kept_when_the_text_changes(db):
    article = ArticleFactory(body=ENGLISH, language="es", language_origin=LanguageOrigin.EDITOR)
    article.body = ENGLISH + " More."
    article.save()
    assert Article.objects.get(pk=article.pk).language == "es"


def test_an_import_detects_or_takes_the_language(db, tmp_path, search_index):
    records = [
        {"title": "Detenidos cuatro miembros de Anonymous", "body": SPANISH, "published_at": "2011-06-10"},
        {"title": "Four suspects arrested", "body": ENGLISH, "published_at": "2011-06-10"},
        {"title": "Four suspects arrested again", "body": ENGLISH, "published_at": "2011-06-11", "language": "es-MX"},
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records), encoding="utf-8")
    call_command("import_articles", str(path), verbosity=0)
    found = {a.title: (a.language, a.language_origin) for a in Article.objects.all()}
    assert found == {
        "Detenidos cuatro miembros de Anonymous": ("es", LanguageOrigin.DETECTED),
        "Four suspects arrested": ("en", LanguageOrigin.DETECTED),
        "Four suspects arrested again": ("es", LanguageOrigin.RECORD),  # the record's word, its primary subtag
    }


def test_an_import_refuses_a_language_that_is_no_iso_639_1_code(db, tmp_path, search_index, capsys):
    path = tmp_path / "articles.jsonl"
    good = {"title": "Four suspects arrested", "body": ENGLISH, "published_at": "2011-06-10"}
    path.write_text(json.dumps({**good, "title": "Other", "language": "Spanish"}) + "\n" + json.dumps(good), encoding="utf-8")
    with pytest.raises(CommandError, match="1 records were rejected"):
        call_command("import_articles", str(path), verbosity=1)
    assert "articles.jsonl:1: 'language' 'Spanish' is not an ISO 639-1 code" in capsys.readouterr().err
    assert list(Article.objects.values_list("title", flat=True)) == ["Four suspects arrested"]


def test_a_reimport_never_replaces_an_editors_language(db, tmp_path, search_index):
    record = {"title": "Four suspects arrested", "body": ENGLISH, "published_at": "2011-06-10", "language": "en"}
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps(record), encoding="utf-8")
    call_command("import_articles", str(path), verbosity=0)
    Article.objects.update(language="es", language_origin=LanguageOrigin.EDITOR)
    path.write_text(json.dumps({**record, "body": ENGLISH + " Updated."}), encoding="utf-8")
    call_command("import_articles", str(path), verbosity=0)
    assert Article.objects.get().language == "es"


def test_the_migration_detects_the_language_of_existing_articles(db):
    ArticleFactory(slug="old-es", body=SPANISH, title="Detenidos cuatro miembros de Anonymous")
    ArticleFactory(slug="old-en", body=ENGLISH, title="Four suspects arrested")
    Article.objects.update(language="")  # as the archive was before 0007
    migration = importlib.import_module("articles.migrations.0007_article_language")
    migration.detect_languages(apps, None)
    assert dict(Article.objects.values_list("slug", "language")) == {"old-es": "es", "old-en": "en"}


def test_the_language_facet_counts_each_language(languages_archive):
    assert facet_counts(search(""), "language") == {"es": 2, "en": 1, "pt": 1}
    facet = next(facet for facet in search("").facets if facet.name == "language")
    assert {value.value: value.label for value in facet.values} == {"es": "Spanish", "en": "English", "pt": "Portuguese"}


def test_language_names_follow_the_readers_language(languages_archive):
    with translation.override("es"):
        facet = next(facet for facet in search("").facets if facet.name == "language")
        assert {value.value: value.label for value in facet.values} == {"es": "Español", "en": "Inglés", "pt": "Portugués"}


def test_the_language_filter_is_repeatable_and_disjunctive(languages_archive):
    spanish = search("language=es")
    assert slugs(spanish) == {"es-1", "es-2"}
    assert facet_counts(spanish, "language") == {"es": 2, "en": 1, "pt": 1}  # its own values stay selectable
    assert slugs(search("language=es&language=pt")) == {"es-1", "es-2", "pt-1"}
    assert slugs(search("language=ES")) == {"es-1", "es-2"}


def test_the_language_filter_combines_with_words(languages_archive):
    assert slugs(search("q=Anonymous&language=en")) == {"en-1"}
    assert slugs(search("q=Madrid&language=es")) == {"es-1", "es-2"}


def test_an_unknown_language_is_dropped_with_a_notice(languages_archive):
    result = search("language=klingon&language=es")
    assert slugs(result) == {"es-1", "es-2"}
    assert "Ignored unknown language “klingon”." in result.notices


def test_a_selected_language_is_a_removable_chip(languages_archive):
    chips = search("language=es").chips
    assert [chip.label for chip in chips] == ["Language: Spanish"]
    assert chips[0].remove_url == "/"


def test_every_api_result_has_its_language(client, languages_archive):
    data = client.get("/api/search", {"q": "Anonymous"}).json()
    assert {result["slug"]: result["language"] for result in data["results"]} == {
        "es-1": "es", "es-2": "es", "en-1": "en", "pt-1": "pt",
    }  # fmt: skip
    assert {value["value"] for value in data["facets"]["language"]} == {"es", "en", "pt"}


def test_pages_mark_the_language_of_each_article(client, languages_archive):
    html = client.get("/", {"q": "Madrid"}).content.decode()
    assert '<h2 class="result-title" lang="es">' in html
    assert '<h2 class="result-title" lang="en">' in html
    page = client.get("/articles/es-1/").content.decode()
    assert '<h1 lang="es">' in page and '<div class="article-body" lang="es">' in page
    assert '?language=es">Spanish</a>' in page
