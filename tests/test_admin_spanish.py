"""The admin speaks the editor's language: our models' labels, help texts, fieldsets, actions and
messages are Spanish for a Spanish browser and English for an English one, and an article saved from
the Spanish change form keeps the language the editor chose."""

import re
from html import unescape

import pytest
from django.utils import translation
from django.utils.html import strip_tags

from articles.models import ArticleCountry, LanguageOrigin
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory, OrganisationFactory
from tests.search.conftest import editor_client  # noqa: F401 - fixture

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
pytestmark = pytest.mark.django_db

ENGLISH_TEXT = "Police in Madrid arrested four suspected members of the hacking group on Tuesday, officials said."


@pytest.fixture(autouse=True)
def no_language_left_active():
    """LocaleMiddleware activates the request's language in this thread; the next test starts without it."""
    yield
    translation.deactivate()


@pytest.fixture
def article(search_index):
    article = ArticleFactory(title="Police arrest four hackers", body=ENGLISH_TEXT)
    assert (article.language, article.language_origin) == ("en", LanguageOrigin.DETECTED)
    return article


def change_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


def visible_text(html: str) -> str:
    """The page's text without tags, with its spaces collapsed, as an editor reads it."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def page_text(client, url, headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return visible_text(response.content.decode())


def test_the_article_change_form_is_spanish_for_a_spanish_editor(editor_client, article):
    text = page_text(editor_client, change_url(article), SPANISH)
    for spanish in ("Titular:", "Fecha de publicación:", "Idioma:", "Origen del idioma: detección", "Resumen:",
                    "Texto:", "Fuente Publicación: Firma: Lugar y fecha:", "URL original:",
                    "Historial Fecha de creación:", "Fecha de actualización:", "Fecha de extracción:",
                    "Etiquetas de país País Origen", "Etiquetas de organización Organización Origen",
                    "Etiquetas de operación Operación Origen",
                    "Código ISO 639-1, como “en” o “es”. Se detecta a partir del texto salvo que un editor lo fije",
                    "Lugar y fecha de la noticia, p. ej. “SALVADOR, 26 feb”."):  # fmt: skip
        assert spanish in text, spanish
    for english in ("Title:", "Published at", "Language origin", "Byline", "Dateline", "Original URL",
                    "Country tags", "Detected from the text"):  # fmt: skip
        assert english not in text, english


def test_the_article_change_form_stays_english_for_an_english_editor(editor_client, article):
    text = page_text(editor_client, change_url(article), ENGLISH)
    for english in ("Title:", "Published at:", "Language:", "Language origin: detection", "Summary:", "Body:",
                    "Source Publication: Byline: Dateline:", "Original URL:", "History Created at:",
                    "Extracted at:", "Country tags Country Origin", "Organisation tags Organisation Origin",
                    "Operation tags Operation Origin",
                    "ISO 639-1 code, such as “en” or “es”. Detected from the text unless an editor sets it",
                    "Place and date line, e.g. “SALVADOR, Feb 26”."):  # fmt: skip
        assert english in text, english
    assert "Titular" not in text and "Fecha de publicación" not in text


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (SPANISH, ["Titular Fecha de publicación Idioma Publicación Fecha de extracción", "Por idioma",
                   "Por publicación", "Volver a extraer las entidades de los artículos seleccionados"]),
        (ENGLISH, ["Title Published at Language Publication Extracted at", "By language", "By publication",
                   "Re-run entity extraction on the selected articles"]),
    ],
    ids=["es", "en"],
)  # fmt: skip
def test_the_article_list_columns_filters_and_actions(editor_client, article, headers, expected):
    text = page_text(editor_client, "/admin/articles/article/", headers)
    for words in expected:
        assert words in text, words


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (SPANISH, ["Seleccione organización a modificar", "Nombre Slug Artículos",
                   "Fusionar las seleccionadas en una…"]),
        (ENGLISH, ["Select organisation to change", "Name Slug Articles", "Merge the selected into one…"]),
    ],
    ids=["es", "en"],
)  # fmt: skip
def test_the_organisation_list(editor_client, headers, expected):
    OrganisationFactory(name="Example Cartel Group")
    text = page_text(editor_client, "/admin/articles/organisation/", headers)
    for words in expected:
        assert words in text, words


def test_the_organisation_form_and_the_admin_index_are_spanish(editor_client):
    organisation = OrganisationFactory(name="Example Cartel Group", aliases=["Example Cartel"])
    text = page_text(editor_client, f"/admin/articles/organisation/{organisation.pk}/change/", SPANISH)
    assert "Modificar organización" in text
    assert "Nombre: Slug: Alias: Example Cartel Otros nombres por los que se conoce, uno por línea." in text
    index = page_text(editor_client, "/admin/", SPANISH)
    for spanish in ("Archivo", "Artículos", "Operaciones", "Organizaciones", "Organizaciones sugeridas", "Países"):
        assert spanish in index, spanish


def test_the_tag_models_are_named_in_the_language_of_the_moment():
    with translation.override("es"):
        spanish = (str(ArticleCountry._meta.verbose_name), str(ArticleCountry._meta.verbose_name_plural))
    with translation.override("en"):
        english = (str(ArticleCountry._meta.verbose_name), str(ArticleCountry._meta.verbose_name_plural))
    assert spanish == ("etiqueta de país", "etiquetas de país")
    assert english == ("country tag", "country tags")


def test_an_editor_sets_the_language_in_spanish_and_it_stays_until_cleared(editor_client, article):
    data = admin_form_data(editor_client.get(change_url(article), **SPANISH))
    response = editor_client.post(change_url(article), data | {"language": "es"}, follow=True, **SPANISH)
    notices = [strip_tags(str(message)) for message in response.context["messages"]]
    assert notices == ["El artículo “Police arrest four hackers” se cambió correctamente."]
    article.refresh_from_db()
    assert (article.language, article.language_origin) == ("es", LanguageOrigin.EDITOR)  # though the text is English

    data = admin_form_data(editor_client.get(change_url(article), **SPANISH))
    assert data["language"] == "es"
    editor_client.post(change_url(article), data | {"title": "Police arrest five hackers"}, **SPANISH)
    article.refresh_from_db()
    assert (article.title, article.language, article.language_origin) == (
        "Police arrest five hackers", "es", LanguageOrigin.EDITOR
    )  # an edit that leaves the language alone keeps the editor's choice

    response = editor_client.post(change_url(article), data | {"language": ""}, **SPANISH)
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.language, article.language_origin) == ("en", LanguageOrigin.DETECTED)


def test_a_bad_language_code_is_refused_in_spanish(editor_client, article):
    data = admin_form_data(editor_client.get(change_url(article), **SPANISH))
    response = editor_client.post(change_url(article), data | {"language": "xx"}, **SPANISH)
    assert response.status_code == 200
    assert "'xx' no es un código de idioma ISO 639-1 como “en” o “es”" in visible_text(response.content.decode())
    article.refresh_from_db()
    assert article.language == "en"


def test_action_messages_are_spanish_and_count_in_spanish(editor_client, article):
    other = ArticleFactory(title="Hackers held in Chile", body=ENGLISH_TEXT)
    changelist = "/admin/articles/article/"
    one = {"action": "rerun_extraction", "_selected_action": [article.pk]}
    both = {"action": "rerun_extraction", "_selected_action": [article.pk, other.pk]}
    text = visible_text(editor_client.post(changelist, one, follow=True, **SPANISH).content.decode())
    assert "Se volvió a extraer en 1 artículo; se conservan las etiquetas de los editores." in text
    text = visible_text(editor_client.post(changelist, both, follow=True, **SPANISH).content.decode())
    assert "Se volvió a extraer en 2 artículos; se conservan las etiquetas de los editores." in text
    text = visible_text(editor_client.post(changelist, one, follow=True, **ENGLISH).content.decode())
    assert "Extraction re-run on 1 article; editors’ tags kept." in text


def test_the_merge_page_and_its_warning_are_spanish(editor_client):
    first, second = OrganisationFactory(name="Example Alpha"), OrganisationFactory(name="Example Alpha Inc")
    changelist = "/admin/articles/organisation/"
    alone = {"action": "merge_selected", "_selected_action": [first.pk]}
    text = visible_text(editor_client.post(changelist, alone, follow=True, **SPANISH).content.decode())
    assert "Seleccione al menos dos para fusionarlas." in text
    both = {"action": "merge_selected", "_selected_action": [first.pk, second.pk]}
    html = editor_client.post(changelist, both, **SPANISH).content.decode()
    assert "<title>Fusionar |" in html and "¿Cuál se conserva?" in visible_text(html)


def test_the_admin_searchs_notice_of_more_matches_is_spanish(editor_client, search_index, monkeypatch):
    from articles.admin import ArticleAdmin
    from tests.conftest import index_everything

    for n in range(3):
        ArticleFactory(title=f"Hackers arrested {n}", body=ENGLISH_TEXT)
    index_everything()
    monkeypatch.setattr(ArticleAdmin, "search_matches_listed", 2)
    text = page_text(editor_client, "/admin/articles/article/?q=hackers", SPANISH)
    assert "3 artículos coinciden; la lista muestra los 2 que mejor coinciden." in text
    text = page_text(editor_client, "/admin/articles/article/?q=hackers", ENGLISH)
    assert "3 articles match; the list holds the 2 that match best." in text


def test_the_admin_searchs_count_of_matches_is_grouped_as_each_language_writes_numbers(editor_client, search_index, monkeypatch):
    """At a million articles a word matches tens of thousands: "15 276" in Spanish (a
    non-breaking space), "15,276" in English, not "15276"."""
    import articles.admin

    article = ArticleFactory(title="Hackers arrested", body=ENGLISH_TEXT)
    monkeypatch.setattr(articles.admin, "matching_article_ids", lambda term, limit: ([article.pk], 15276))
    html = editor_client.get("/admin/articles/article/?q=hackers", **SPANISH).content.decode()
    assert "15\xa0276 artículos coinciden; la lista muestra los 1 que mejor coinciden." in unescape(html)
    text = page_text(editor_client, "/admin/articles/article/?q=hackers", ENGLISH)
    assert "15,276 articles match; the list holds the 1 that match best." in text
