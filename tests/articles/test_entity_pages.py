"""Entity pages: an entity's articles over time and what appears with it most often."""

import pytest

from articles.models import Country, Operation, Organisation
from search.indexing import search_backend
from tests.factories import OrganisationFactory
from tests.search.conftest import small_archive  # noqa: F401 (a fixture)


def test_organisation_page_shows_its_articles_over_time_and_latest(client, small_archive):  # noqa: F811
    response = client.get("/organisations/anonymous/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Anonymous</h1>" in html
    assert 'href="/?organisation=anonymous">Search its 4 articles</a>' in html
    assert 'href="/?organisation=anonymous&amp;from=2011&amp;to=2011" aria-label="2011: 2 articles"' in html
    latest = [response.context["page"].latest[n].slug for n in range(4)]
    assert latest == ["a3", "a2", "a1", "a6"]
    assert 'href="/articles/a3/"' in html


def test_other_kinds_link_to_the_combined_search_with_their_counts(client, small_archive):  # noqa: F811
    page = client.get("/organisations/anonymous/").context["page"]
    groups = {group.label: group for group in page.related}
    countries = {item.label: (item.count, item.url) for item in groups["Countries"].items}
    assert countries["Mexico"] == (2, "/?country=MX&organisation=anonymous")
    assert countries["United States"] == (2, "/?country=US&organisation=anonymous")
    assert countries["Spain"] == (1, "/?country=ES&organisation=anonymous")
    operations = [(item.label, item.count, item.url) for item in groups["Operations"].items]
    assert operations[0] == ("Operation Cartel", 2, "/?organisation=anonymous&operation=operation-cartel")


def test_same_kind_comes_from_shared_articles_and_excludes_itself(client, small_archive):  # noqa: F811
    page = client.get("/organisations/anonymous/").context["page"]
    same = next(group for group in page.related if group.same_kind)
    assert [(item.label, item.count, item.url) for item in same.items] == [
        ("Interpol", 1, "/organisations/interpol/"),
        ("Los Zetas", 1, "/organisations/los-zetas/"),
        ("PayPal", 1, "/organisations/paypal/"),
    ]


def test_country_page_accepts_any_case_and_operation_page_shows_aliases(client, small_archive):  # noqa: F811
    html = client.get("/countries/mx/").content.decode()
    assert "<h1>Mexico</h1>" in html
    assert 'href="/?country=MX&amp;organisation=los-zetas"' in html
    assert 'href="/countries/US/"' in html  # a country that appears with it
    html = client.get("/operations/operation-cartel/").content.decode()
    assert "<li>OpCartel</li>" in html


def test_an_entity_without_articles_has_a_page(client, db, search_index):
    OrganisationFactory(name="Quiet Group")
    search_backend().clear()  # an empty index, as rebuild_index leaves it
    html = client.get("/organisations/quiet-group/").content.decode()
    assert "No articles yet." in html


@pytest.mark.parametrize("path", ["/countries/ZZ/", "/countries/mexico/", "/organisations/nobody/", "/operations/none/"])
def test_unknown_entities_are_404(client, small_archive, path):  # noqa: F811
    assert client.get(path).status_code == 404


def test_names_are_escaped(client, db, search_index):
    OrganisationFactory(name="<b>Bold</b> Crew", slug="bold-crew", aliases=["<i>BC</i>"])
    search_backend().clear()  # an empty index, as rebuild_index leaves it
    html = client.get("/organisations/bold-crew/").content.decode()
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; Crew" in html
    assert "&lt;i&gt;BC&lt;/i&gt;" in html


def test_models_still_link_to_the_filtered_search(db):
    assert Country.objects.get(code="MX").get_absolute_url() == "/?country=MX"
    assert Organisation(slug="anonymous").get_absolute_url() == "/?organisation=anonymous"
    assert Operation(slug="opx").get_absolute_url() == "/?operation=opx"
