"""Browser integration: the OpenSearch description and the suggestions it points to."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import ArticleFactory, OperationFactory, OrganisationFactory

NS = {"os": "http://a9.com/-/spec/opensearch/1.1/"}


def suggestions(client, typed):
    response = client.get("/api/suggest", {"q": typed})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-suggestions+json"
    body = response.json()
    assert isinstance(body[0], str) and all(isinstance(text, str) for text in body[1])
    return body


def test_description_names_search_suggestions_and_feed_with_absolute_urls(client, db):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/opensearchdescription+xml"
    root = ET.fromstring(response.content)
    assert root.find("os:ShortName", NS).text == "NewsArchive"
    assert root.find("os:Description", NS).text
    assert root.find("os:InputEncoding", NS).text == "UTF-8"
    templates = {url.get("type"): url.get("template") for url in root.findall("os:Url", NS)}
    assert templates["text/html"] == "http://testserver/?q={searchTerms}"
    assert templates["application/x-suggestions+json"] == "http://testserver/api/suggest?q={searchTerms}"
    assert templates["application/atom+xml"] == "http://testserver/search.atom?q={searchTerms}"


def test_every_page_links_the_description(client, small_archive):
    link = '<link rel="search" type="application/opensearchdescription+xml" title="NewsArchive" href="/opensearch.xml">'
    assert link in client.get("/").content.decode()
    assert link in client.get("/articles/a1/").content.decode()


def test_suggestions_complete_organisations_operations_and_titles(client, small_archive):
    typed, texts, descriptions, urls = suggestions(client, "interp")
    assert typed == "interp"
    assert texts == ["Interpol", "Interpol website attacked", "Interpol arrests 25 suspects"]  # titles newest first
    assert descriptions[:2] == ["Organisation", "Article, 29 February 2012"]
    assert urls[:2] == ["http://testserver/?organisation=interpol", "http://testserver/articles/a4/"]


def test_suggestions_match_aliases_ignoring_case(client, small_archive):
    body = suggestions(client, "OPC")
    assert body[1] == ["OpCartel"]
    assert body[2] == ["Operation: Operation Cartel"]
    assert "Zetas" in suggestions(client, "zet")[1]


def test_suggestions_ignore_accents_both_ways(client, db):
    senal = OrganisationFactory(name="Señal Libre")
    leon = OperationFactory(name="Operación León", aliases=["OpLeón"])
    ArticleFactory(organisations=[senal], operations=[leon])  # an entity without articles is never offered
    assert suggestions(client, "senal")[1] == ["Señal Libre"]
    assert suggestions(client, "SEÑAL")[1] == ["Señal Libre"]
    assert suggestions(client, "operacion leon")[1] == ["Operación León"]
    assert suggestions(client, "opleon")[1] == ["OpLeón"]


def test_suggestions_are_at_most_ten(client, db):
    for n in range(15):
        ArticleFactory(title=f"Zebra crossing {n}")
    assert len(suggestions(client, "zebra")[1]) == 10


def test_empty_query_has_no_suggestions(client, db):
    assert client.get("/api/suggest").json() == ["", [], [], []]
    assert client.get("/api/suggest?q=%20%20").json() == ["  ", [], [], []]  # echoed as sent


@pytest.mark.parametrize("typed", ["%", "_", "\x00", "a" * 5000, "'; DROP TABLE x; --", "😀"])
def test_odd_input_is_answered_not_an_error(client, small_archive, typed):
    assert suggestions(client, typed)[1] == []


def test_titles_with_markup_come_back_as_plain_text(client, db):
    ArticleFactory(title="<b>Bold</b> move by hackers")
    response = client.get("/api/suggest?q=<b>")
    assert response.json()[1] == ["<b>Bold</b> move by hackers"]
    assert "html" not in response["Content-Type"]
