"""Edits made in the admin reach the search index after the transaction commits, without a rebuild."""

import pytest

from articles.models import Country, Organisation
from tests.admin_forms import admin_form_data
from tests.conftest import index_everything
from tests.factories import ArticleFactory

from .helpers import facet_counts, search, slugs

# serialized_rollback restores the countries that a data migration created, which a
# transactional test would otherwise flush away.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def indexed_article(search_index):
    article = ArticleFactory(slug="tagged", title="Cartel threat", body="Hackers and the cartel.", countries=["MX"])
    index_everything()
    assert facet_counts(search(""), "country") == {"MX": 1}
    return article


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def test_a_tag_only_edit_in_the_admin_reaches_the_facets(editor_client, indexed_article):
    response = editor_client.get(change_url(indexed_article))
    data = admin_form_data(response)
    # Replace Mexico by Spain: mark the existing country row deleted, fill the blank extra row.
    data["articlecountry_set-0-DELETE"] = "on"
    data["articlecountry_set-1-country"] = str(Country.objects.get(code="ES").pk)
    response = editor_client.post(change_url(indexed_article), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    assert list(indexed_article.countries.values_list("code", flat=True)) == ["ES"]
    assert facet_counts(search(""), "country") == {"ES": 1}
    assert slugs(search("country=ES")) == {"tagged"}
    assert search("country=MX").total == 0


def test_adding_an_article_in_the_admin_makes_it_findable(editor_client, search_index):
    organisation, _ = Organisation.objects.get_or_create(slug="interpol", defaults={"name": "Interpol"})
    response = editor_client.get("/admin/articles/article/add/")
    data = admin_form_data(response)
    data.update(
        {
            "title": "Arrests across four countries",
            "slug": "arrests-four-countries",
            "body": "Police arrested suspects.",
            "published_at_0": "2012-02-28",
            "published_at_1": "10:00:00",
            "articleorganisation_set-0-organisation": str(organisation.pk),
        }
    )
    response = editor_client.post("/admin/articles/article/add/", data)
    assert response.status_code == 302
    result = search("q=arrested")
    assert slugs(result) == {"arrests-four-countries"}
    assert facet_counts(result, "organisation") == {"interpol": 1}


def test_deleting_an_article_in_the_admin_removes_it(editor_client, indexed_article):
    response = editor_client.post(f"/admin/articles/article/{indexed_article.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert search("").total == 0


def test_renaming_an_organisation_slug_reindexes_its_articles(editor_client, search_index):
    organisation = Organisation.objects.create(name="Example Cartel", slug="example-cartel")
    article = ArticleFactory(slug="z", organisations=[organisation])
    index_everything()
    response = editor_client.get(f"/admin/articles/organisation/{organisation.pk}/change/")
    data = admin_form_data(response) | {"name": "Example Cartel Group", "slug": "example-cartel-group", "aliases": "Example Cartel"}
    assert editor_client.post(f"/admin/articles/organisation/{organisation.pk}/change/", data).status_code == 302
    assert facet_counts(search(""), "organisation") == {"example-cartel-group": 1}
    organisation.refresh_from_db()
    assert organisation.aliases == ["Example Cartel"]
    assert article.organisations.get().name == "Example Cartel Group"


def test_tags_added_in_code_reach_the_index(search_index):
    article = ArticleFactory(slug="code")
    index_everything()
    article.countries.add(Country.objects.get(code="CL"))
    assert slugs(search("country=CL")) == {"code"}
    article.countries.clear()
    assert search("country=CL").total == 0
