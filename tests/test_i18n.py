"""The interface in English and Spanish: chosen from Accept-Language or the switcher, at the same URLs."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from search.facets import facet_heading

from tests.search.conftest import editor_client, small_archive  # noqa: F401 - fixtures

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9,en;q=0.5"}
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"


def page(client, url, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def visible_text(html: str) -> str:
    """The page's text without tags, scripts or attribute values, as a reader sees it."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


# What a Spanish reader sees ---------------------------------------------------------------------


def test_a_spanish_browser_gets_the_search_page_in_spanish(client, small_archive):
    response = client.get("/", {"q": "interpol"}, **SPANISH)
    html = response.content.decode()
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in html
    for spanish in ("2 artículos para “interpol”", "Buscar en el archivo", "Fecha de publicación", "País",
                    "Organización", "Operación", "Filtros", "Ordenados por: relevancia", "más recientes",
                    "Siga esta búsqueda como", "descargue los 2 como", "Artículos por año",
                    "29 de febrero de 2012", "Administración para editores"):  # fmt: skip
        assert spanish in html, spanish
    for english in ("articles for", "Search the archive", "Filters", "Sorted by", "Atom feed", "February"):
        assert english not in visible_text(html), english


def test_counts_take_the_plural_form_of_each_language(client, small_archive):
    assert "1 artículo para “breach”" in page(client, "/?q=breach", **SPANISH)
    assert "1 article for “breach”" in page(client, "/?q=breach")
    assert "6 artículos" in page(client, "/", **SPANISH)


def test_the_search_pages_counts_are_grouped_as_each_language_writes_numbers(client, small_archive, monkeypatch):
    """At a million articles a word matches tens of thousands: "15 276" in Spanish (a non-breaking
    space), "15,276" in English, never "15276": in the heading, the facets and the timeline."""
    import dataclasses

    import search.service
    import search.views

    scale = 7638  # the two articles about Interpol become 15,276
    known_values = search.service.known_values
    monkeypatch.setattr(search.service, "known_values", lambda counts: {
        field: [(value, count * scale) for value, count in pairs] for field, pairs in known_values(counts).items()
    })  # fmt: skip
    run_search = search.views.run_search
    monkeypatch.setattr(search.views, "run_search", lambda params: dataclasses.replace(run_search(params), total=2 * scale))
    spanish = visible_text(page(client, "/?q=interpol", **SPANISH))
    assert "15\xa0276 artículos para “interpol”" in spanish
    assert "descargue los 15\xa0276 como" in spanish
    assert re.search(r"\b2012 +15\xa0276\b", spanish), "the date facet's count"
    english = page(client, "/?q=interpol")
    assert "15,276 articles for “interpol”" in english
    assert re.search(r'class="count">15,276<', english), "a facet's count"
    assert re.search(r'aria-label="2012: 15,276 articles"', english), "the timeline's bar"
    assert "15276" not in visible_text(english)


def test_months_and_dates_are_spanish(client, small_archive):
    html = page(client, "/?from=2012&to=2012", **SPANISH)
    assert "Artículos por mes en 2012" in html
    assert "Febrero" in html  # the date facet's month
    assert 'aria-label="febrero de 2012: 2 artículos"' in html  # the timeline's bar
    assert "Desde: 2012" in html and "Hasta: 2012" in html  # the chips
    article = page(client, "/articles/a4/", **SPANISH)
    assert "29 de febrero de 2012, 00:00 UTC" in article and "Volver a la búsqueda" in article


def test_notices_and_suggestions_are_spanish(client, small_archive):
    html = page(client, "/?country=ZZ&page=abc&q=interp*", **SPANISH)
    assert "Se ignoró “ZZ”: no es un valor conocido de country." in html
    assert "Se ignoró la página “abc”" in html
    assert "Mostramos resultados de “interp” en lugar de “interp*”" in html
    assert "No se encontraron artículos para “interp”" in html


@pytest.mark.archive_engine  # stock Whoosh suggests nothing when nothing matches
def test_did_you_mean_is_spanish(client, small_archive):
    assert '¿Quizás quiso decir <a href="/?q=interpol">interpol</a>?' in page(client, "/?q=Interpl", **SPANISH)


def test_countries_are_named_in_spanish(client, small_archive):
    html = page(client, "/?country=ES", **SPANISH)
    assert "País: España" in html and ">Estados Unidos<" in html and "United States" not in html
    assert '<span class="facet-label"><span aria-hidden="true">✓ </span>España</span>' in html
    assert '<a class="tag tag-country" href="/?country=AR">Argentina</a>' in html
    article = page(client, "/articles/a1/", **SPANISH)
    assert ">México</a>" in article and ">Estados Unidos</a>" in article
    entity = page(client, "/countries/US/", **SPANISH)
    assert "<h1>Estados Unidos</h1>" in entity and "Reino Unido" in entity  # and GB appears with it
    assert "<h1>United States</h1>" in page(client, "/countries/US/")
    spain = client.get("/api/search", {"country": "ES"}, **SPANISH).json()["facets"]["country"]
    assert {"value": "ES", "label": "España", "count": 2, "selected": True} in spain


def test_entity_page_is_spanish(client, small_archive):
    html = page(client, "/organisations/interpol/", **SPANISH)
    for spanish in ("Organización", "Buscar sus 2 artículos", "Artículos a lo largo del tiempo", "Últimos artículos",
                    "Aparece a menudo con", "Países"):  # fmt: skip
        assert spanish in html, spanish


def test_english_is_the_default_and_the_fallback(client, small_archive):
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}):
        response = client.get("/", {"q": "interpol"}, **headers)
        html = response.content.decode()
        assert response["Content-Language"] == "en"
        assert '<html lang="en">' in html and "2 articles for “interpol”" in html and "29 February 2012" in html
        assert "Fecha de publicación" not in html


def test_error_pages_are_spanish(client, small_archive):
    missing = client.get("/articles/no-such-article/", **SPANISH)
    assert missing.status_code == 404 and "Página no encontrada" in missing.content.decode()
    refused = client.post("/", **SPANISH)
    assert refused.status_code == 405 and "Método no permitido" in refused.content.decode()
    too_long = client.get("/?q=" + "a" * (settings.MAX_QUERY_STRING_BYTES + 1), **SPANISH)
    body = too_long.content.decode()
    assert too_long.status_code == 414 and '<html lang="es">' in body and "Dirección demasiado larga" in body
    assert "8\xa0192" in body and "Accept-Language" in too_long["Vary"]  # Spanish groups digits with a space


def test_the_pages_rendered_without_a_request_are_spanish():
    with translation.override("es"):
        server_error, bad_request = render_to_string("500.html"), render_to_string("400.html")
    assert '<html lang="es">' in server_error and "Error del servidor" in server_error
    assert '<html lang="es">' in bad_request and "Solicitud incorrecta" in bad_request
    assert "language-switcher" not in bad_request  # it could not carry a CSRF token


def test_facet_headings_are_translated_in_one_place():
    with translation.override("es"):
        headings = {name: str(facet_heading(name)) for name in ("date", "country", "organisation", "operation", "language")}
    assert headings == {"date": "Fecha de publicación", "country": "País", "organisation": "Organización",
                        "operation": "Operación", "language": "Idioma"}  # fmt: skip


def test_the_api_keeps_its_field_names_and_codes_in_spanish(client, small_archive):
    english = client.get("/api/search", {"q": "interpol", "country": "es"}).json()
    spanish = client.get("/api/search", {"q": "interpol", "country": "es"}, **SPANISH).json()
    assert set(spanish) == set(english) and set(spanish["facets"]) == set(english["facets"])
    assert [set(hit) for hit in spanish["results"]] == [set(hit) for hit in english["results"]]
    assert spanish["results"][0]["countries"] == english["results"][0]["countries"]
    assert [value["value"] for value in spanish["facets"]["date"]] == [value["value"] for value in english["facets"]["date"]]
    refused = client.post("/api/search", **SPANISH)
    assert refused.json()["error"] == "method_not_allowed" and "no está permitido" in refused.json()["message"]


def test_the_admin_speaks_spanish_to_a_spanish_editor(db, editor_client):
    html = page(editor_client, "/admin/", **SPANISH)
    assert '<html lang="es"' in html and "Administración de Django" in html


def test_feed_and_opensearch_are_spanish(client, small_archive):
    feed = client.get("/search.atom", **SPANISH).content.decode()
    assert "NewsArchive: últimos artículos" in feed and 'xml:lang="es"' in feed
    assert "NewsArchive: País: España" in client.get("/search.atom?country=ES", **SPANISH).content.decode()
    description = client.get("/opensearch.xml", **SPANISH).content.decode()
    assert "<Language>es</Language>" in description and "Busque en el archivo de noticias" in description


# The switcher -----------------------------------------------------------------------------------


def switcher(html: str) -> str:
    return re.search(r'<form class="language-switcher".*?</form>', html, re.S).group(0)


def test_every_page_has_a_switcher_that_keeps_the_whole_address(client, small_archive):
    url = "/?q=interpol&country=ES&organisation=interpol&sort=newest&page=1"
    form = switcher(page(client, url))
    assert 'action="/language" method="post"' in form and 'name="csrfmiddlewaretoken"' in form
    assert f'<input type="hidden" name="next" value="{url.replace("&", "&amp;")}">' in form
    assert '<strong lang="en" aria-current="true">English</strong>' in form
    assert '<button type="submit" name="language" value="es" lang="es">Español</button>' in form
    spanish = switcher(page(client, url, **SPANISH))
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in spanish
    for other in ("/articles/a1/", "/countries/ES/", "/articles/missing/"):
        assert 'class="language-switcher"' in client.get(other).content.decode(), other


def test_the_switcher_escapes_the_address_it_keeps(client, small_archive):
    form = switcher(page(client, '/?q="><script>x</script>'))
    assert "<script>" not in form and 'value="/?q=%22%3E%3Cscript%3Ex%3C/script%3E"' in form


def test_switching_language_keeps_the_search_and_sticks(small_archive):
    client = Client(enforce_csrf_checks=True)
    url = "/?q=interpol&country=ES&sort=newest"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(client, url)).group(1)
    response = client.post("/language", {"language": "es", "next": url, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == url
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es" and cookie["httponly"] and cookie["samesite"] == "Lax"
    html = page(client, url)  # no Accept-Language: the cookie decides now
    assert '<html lang="es">' in html and "2 artículos para “interpol”" in html
    response = client.post("/language", {"language": "en", "next": url, "csrfmiddlewaretoken": token}, **SPANISH)
    assert response["Location"] == url
    assert "2 articles for “interpol”" in page(client, url, **SPANISH)  # the choice beats the browser's


def test_switching_needs_the_csrf_token_and_stays_on_the_site(small_archive):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/language", {"language": "es", "next": "/"}).status_code == 403
    client = Client()
    response = client.post("/language", {"language": "es", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


# Caches never mix the languages -----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/?q=interpol", "/articles/a1/", "/countries/ES/", "/search.atom",
                                 "/opensearch.xml", "/api/search?q=interpol", "/api/suggest?q=inter"])  # fmt: skip
def test_every_answer_varies_on_the_language_header_and_cookie(client, small_archive, url):
    response = client.get(url, **SPANISH)
    vary = {value.strip().lower() for value in response["Vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary, url
    assert response["Content-Language"] == "es"


def test_the_feed_etag_differs_by_language(client, small_archive):
    english = client.get("/search.atom")
    spanish = client.get("/search.atom", **SPANISH)
    assert english["ETag"] != spanish["ETag"]
    again = client.get("/search.atom", HTTP_IF_NONE_MATCH=english["ETag"], **SPANISH)
    assert again.status_code == 200 and "últimos artículos" in again.content.decode()
    assert client.get("/search.atom", HTTP_IF_NONE_MATCH=english["ETag"]).status_code == 304


# The catalogue ----------------------------------------------------------------------------------


def spanish_catalogue():
    with open(CATALOGUE / "django.po", "rb") as po:
        return read_po(po)


def test_the_spanish_catalogue_is_complete():
    catalogue = spanish_catalogue()
    untranslated = [message.id for message in catalogue if message.id and not all(message.string or [""])]
    untranslated += [message.id for message in catalogue if message.id and isinstance(message.string, tuple)
                     and not all(message.string)]  # fmt: skip
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert not untranslated and not fuzzy and not catalogue.fuzzy
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalogue.check()]
    assert not problems, problems  # placeholders of msgstr match msgid's


def test_the_compiled_catalogue_is_the_catalogue():
    """django.mo is committed so that running needs no gettext; it must say what django.po says
    (after an edit to the .po, run ``make messages``)."""
    expected = {}
    for message in spanish_catalogue():
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        key = f"{message.context}\x04{key}" if message.context else key
        if isinstance(message.string, tuple):
            expected |= {(key, n): text for n, text in enumerate(message.string)}
        else:
            expected[key] = message.string
    with open(CATALOGUE / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    compiled.pop("", None)  # the header
    assert compiled == expected


def test_every_string_of_the_code_is_in_the_catalogue(tmp_path):
    """``make messages`` on a copy of the code finds no string that django.po lacks or no longer needs."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext is needed to collect the strings (.ci/system-packages installs it)")
    root = Path(settings.BASE_DIR)
    for name in ("articles", "search", "newsarchive", "templates", "locale"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.json"))
    shutil.copy(root / "manage.py", tmp_path)
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "newsarchive.settings", "DEBUG": "1", "DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "manage.py", "makemessages", "-l", "es", "--extension", "html,txt,py,xml", "--no-obsolete"]
    subprocess.run(command, cwd=tmp_path, env=env, check=True, capture_output=True)
    with open(tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po", "rb") as po:
        collected = {(message.context, message.id) for message in read_po(po) if message.id}
    committed = {(message.context, message.id) for message in spanish_catalogue() if message.id}
    assert collected == committed, "run `make messages` and translate what it adds"
