"""The admin's search asks the search index, as the site's search does, rather than reading every
article with ``LIKE`` (2.0 s at a million articles); where the index cannot answer, Django's own
search answers, with a warning."""

import shutil

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.admin import ArticleAdmin
from articles.models import Article
from tests.conftest import index_everything
from tests.factories import ArticleFactory

CHANGELIST = "/admin/articles/article/"


def listed(response) -> list[str]:
    return sorted(article.title for article in response.context["cl"].result_list)


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def archive(db, search_index):
    ArticleFactory(title="Hackers arrested in Chile", body="Police arrested four suspects linked to Anonymous.")
    ArticleFactory(title="Los Zetas amenazan a Anonymous", body="El cártel amenazó con matar a diez personas.",
                   language="es")  # fmt: skip
    ArticleFactory(title="Oil prices", body="Crude rose on Monday.", slug="crude-rose-3f2a")
    index_everything()
    return search_index


def test_words_are_found_as_the_sites_search_finds_them(admin_client, archive):
    # Stemmed ("arrests" finds "arrested") and in the body, which Django's search of title, slug
    # and summary would not read.
    assert listed(admin_client.get(CHANGELIST, {"q": "arrests"})) == ["Hackers arrested in Chile"]
    assert listed(admin_client.get(CHANGELIST, {"q": "suspects"})) == ["Hackers arrested in Chile"]
    assert listed(admin_client.get(CHANGELIST, {"q": "anonymous"})) == [
        "Hackers arrested in Chile", "Los Zetas amenazan a Anonymous"]  # fmt: skip


@pytest.mark.archive_engine  # stock Whoosh's analyzer keeps accents: "cartel" is not "cártel" there
def test_spanish_words_are_found_with_accents_folded_as_on_the_site(admin_client, archive):
    assert listed(admin_client.get(CHANGELIST, {"q": "cartel"})) == ["Los Zetas amenazan a Anonymous"]
    assert listed(admin_client.get(CHANGELIST, {"q": "amenazó"})) == ["Los Zetas amenazan a Anonymous"]


def test_a_slug_or_an_id_pasted_finds_its_article(admin_client, archive):
    oil = Article.objects.get(title="Oil prices")
    assert listed(admin_client.get(CHANGELIST, {"q": "crude-rose-3f2a"})) == ["Oil prices"]
    assert listed(admin_client.get(CHANGELIST, {"q": str(oil.pk)})) == ["Oil prices"]
    assert listed(admin_client.get(CHANGELIST, {"q": "99999999999999999999"})) == []  # no overflow, no 500


def test_the_search_reads_no_article_row_by_row(admin_client, archive):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST, {"q": "arrests"})
    assert response.status_code == 200 and listed(response) == ["Hackers arrested in Chile"]
    assert not [query["sql"] for query in queries if "LIKE" in query["sql"].upper()]


def test_filters_and_words_narrow_together(admin_client, archive):
    Article.objects.filter(title="Hackers arrested in Chile").update(source="Reuters")
    index_everything()
    assert listed(admin_client.get(CHANGELIST, {"q": "anonymous", "source": "Reuters"})) == ["Hackers arrested in Chile"]


def test_more_matches_than_the_list_holds_are_counted_and_said(admin_client, archive, monkeypatch):
    monkeypatch.setattr(ArticleAdmin, "search_matches_listed", 1)
    response = admin_client.get(CHANGELIST, {"q": "anonymous"})
    assert len(response.context["cl"].result_list) == 1
    assert "2 articles match; the list holds the 1 that match best. Add words or filters to narrow it." in shown_messages(response)
    response = admin_client.get(CHANGELIST, {"q": "arrests"})
    assert shown_messages(response) == []


@pytest.mark.archive_engine  # stock Whoosh keeps its index object: a folder removed under it is a 500
def test_without_the_index_djangos_own_search_answers_with_a_warning(admin_client, archive):
    shutil.rmtree(archive)
    response = admin_client.get(CHANGELIST, {"q": "Hackers"})
    assert response.status_code == 200 and listed(response) == ["Hackers arrested in Chile"]
    assert any(message.startswith("Search is unavailable") for message in shown_messages(response))
