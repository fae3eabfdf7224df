"""Suggestions that lead somewhere: entities ranked by their articles, each with the URL it leads
to, and a typed entity name that finds the entity's tagged articles however their text spells it."""

import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
from django.utils import translation

from articles.models import Country, Organisation
from search.suggestions import suggest
from tests.conftest import index_everything
from tests.factories import ArticleFactory, OperationFactory, OrganisationFactory
from tests.search.helpers import search, slugs

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}


def tagged_articles(count: int, **tags) -> list:
    return [ArticleFactory(**tags) for _ in range(count)]


def texts(typed: str) -> list[str]:
    return [suggestion.text for suggestion in suggest(typed)]


def suggestions(client, typed, **headers):
    response = client.get("/api/suggest", {"q": typed}, **headers)
    assert response.status_code == 200
    return response.json()


# Ranking ------------------------------------------------------------------------------------------


def test_entities_are_ranked_by_their_articles_and_one_without_articles_is_never_offered(db):
    one, five, none = (OrganisationFactory(name=f"Zorro {word}") for word in ("Alpha", "Bravo", "Charlie"))
    tagged_articles(1, organisations=[one])
    tagged_articles(5, organisations=[five])
    tagged_articles(3, operations=[OperationFactory(name="Zorro Delta")])
    assert texts("zorro") == ["Zorro Bravo", "Zorro Delta", "Zorro Alpha"]
    assert none.name not in texts("zorro charlie")


def test_titles_follow_the_entities_newest_first(db):
    zorro = OrganisationFactory(name="Zorro Alpha")
    ArticleFactory(title="Zorro rides again", published_at=datetime(2010, 1, 1, tzinfo=timezone.utc))
    ArticleFactory(title="Zorro unmasked", published_at=datetime(2012, 1, 1, tzinfo=timezone.utc), organisations=[zorro])
    assert texts("zorro") == ["Zorro Alpha", "Zorro unmasked", "Zorro rides again"]


def test_a_later_word_of_a_name_completes_from_three_letters(db):
    library = OrganisationFactory(name="National Library of Chile")
    tagged_articles(2, organisations=[library])
    assert "National Library of Chile" in texts("Chile")
    assert "National Library of Chile" in texts("libr")
    assert "National Library of Chile" not in texts("ile")  # not the start of a word
    assert "National Library of Chile" not in texts("of")  # too short to look inside names


def test_the_start_of_a_name_ranks_before_a_later_word_among_equals(db):
    inside, start = OrganisationFactory(name="Friends of Zorro"), OrganisationFactory(name="Zorro Alpha")
    tagged_articles(1, organisations=[inside])
    tagged_articles(1, organisations=[start])
    assert texts("zorro") == ["Zorro Alpha", "Friends of Zorro"]


def test_names_and_aliases_match_ignoring_case_and_accents(db):
    senal = OrganisationFactory(name="Señal Libre")
    leon = OperationFactory(name="Operación León", aliases=["OpLeón"])
    tagged_articles(1, organisations=[senal], operations=[leon])
    assert texts("SENAL") == ["Señal Libre"]
    assert texts("señal") == ["Señal Libre"]
    assert texts("operacion leon") == ["Operación León"]
    assert texts("opleon") == ["OpLeón"]
    assert [s.description for s in suggest("opleon")] == ["Operation: Operación León"]


def test_an_alias_that_starts_with_the_typing_is_offered_once_for_its_entity(db):
    zetas = OrganisationFactory(name="Los Zetas", aliases=["Zetas", "Zeta cartel"])
    tagged_articles(1, organisations=[zetas])
    found = suggest("zet")
    assert [(s.text, s.description) for s in found] == [("Zetas", "Organisation: Los Zetas")]
    assert texts("zeta c") == ["Zeta cartel"]


def test_countries_are_offered_by_their_name_in_the_readers_language(db):
    tagged_articles(2, countries=["ES"])
    tagged_articles(1, countries=["EE"])  # Estonia, "Estonia" in both languages
    with translation.override("es"):
        assert [(s.text, s.url) for s in suggest("Esp")] == [("España", "/?country=ES")]
        assert texts("spai") == ["Spain"]  # the stored name, described as "País: España"
        assert "Eslovenia" not in texts("Es")  # no article is about it
    with translation.override("en"):
        assert texts("Spa") == ["Spain"]
        assert texts("es") == ["Estonia"]


def test_each_keystroke_costs_a_few_queries_however_many_entities_match(db, django_assert_max_num_queries):
    for n in range(30):
        tagged_articles(1, organisations=[OrganisationFactory(name=f"Zorro {n}")], countries=["ZA"])
    suggest("z")  # the names are read once per process, then only checked for changes
    # per kind: has it changed, how many articles for the matches; then the titles
    with django_assert_max_num_queries(7):
        assert len(suggest("z")) == 10


def test_a_renamed_or_new_entity_is_offered_at_once(db):
    zorro = OrganisationFactory(name="Zorro Alpha")
    tagged_articles(1, organisations=[zorro])
    assert texts("zorro") == ["Zorro Alpha"]
    zorro.name, zorro.aliases = "Zorro Omega", ["El Zorro"]
    zorro.save()
    assert texts("zorro") == ["Zorro Omega"]
    assert texts("el zo") == ["El Zorro"]
    tagged_articles(2, organisations=[OrganisationFactory(name="Zorro Beta")])
    assert texts("zorro") == ["Zorro Beta", "Zorro Omega"]


# The format and its URL column ---------------------------------------------------------------------


def test_the_answer_is_the_four_arrays_of_the_opensearch_format(client, db):
    interpol = OrganisationFactory(name="Interpol")
    ArticleFactory(title="Interpol arrests", slug="interpol-arrests", organisations=[interpol])
    response = client.get("/api/suggest", {"q": "inter"})
    assert response["Content-Type"] == "application/x-suggestions+json"
    assert response.json() == [
        "inter",
        ["Interpol", "Interpol arrests"],
        ["Organisation", "Article, 15 June 2011"],
        ["http://testserver/?organisation=interpol", "http://testserver/articles/interpol-arrests/"],
    ]


@pytest.mark.parametrize("typed", ["a", "i", "op", "zeta", "inter", "sp"])
def test_every_completion_has_a_description_and_an_absolute_url(client, small_archive, typed):
    query, completions, descriptions, urls = suggestions(client, typed)
    assert query == typed and completions
    assert len(completions) == len(descriptions) == len(urls) <= 10
    assert all(url.startswith("http://testserver/") for url in urls)


def test_entity_urls_filter_by_the_entity(client, db):
    library = OrganisationFactory(name="National Library of Chile")
    tagged_articles(1, organisations=[library], operations=[OperationFactory(name="Operation Unmask")], countries=["CL"])
    _, texts_, _, urls = suggestions(client, "chile")
    assert dict(zip(texts_, urls)) == {
        "Chile": "http://testserver/?country=CL",
        "National Library of Chile": "http://testserver/?organisation=national-library-of-chile",
    }
    assert suggestions(client, "operation u")[3] == ["http://testserver/?operation=operation-unmask"]


def test_the_query_is_echoed_as_it_was_sent(client, db):
    """Firefox drops an answer whose first element is not the query it sent."""
    OrganisationFactory(name="Interpol")
    assert suggestions(client, "Inter ")[0] == "Inter "
    assert suggestions(client, "") == ["", [], [], []]
    assert suggestions(client, "  ") == ["  ", [], [], []]


def test_descriptions_and_names_are_in_the_readers_language(client, db):
    tagged_articles(1, countries=["DE"])
    assert suggestions(client, "alem", **SPANISH)[1:] == [["Alemania"], ["País"], ["http://testserver/?country=DE"]]
    assert suggestions(client, "germ", **SPANISH)[2] == ["País: Alemania"]


def test_the_description_declares_the_suggestions_url(client, db):
    root = ET.fromstring(client.get("/opensearch.xml").content)
    namespace = "{http://a9.com/-/spec/opensearch/1.1/}"
    urls = {url.get("type"): url for url in root.iter(f"{namespace}Url")}
    suggestions_url = urls["application/x-suggestions+json"]
    assert suggestions_url.get("rel") == "suggestions"
    assert suggestions_url.get("template") == "http://testserver/api/suggest?q={searchTerms}"
    body = client.get("/opensearch.xml").content.decode()
    assert 'xmlns:suggestions="http://www.opensearch.org/specifications/opensearch/extensions/suggestions/1.1"' in body


# A typed entity name finds the entity's articles ----------------------------------------------------


@pytest.fixture
def differently_spelled(db, search_index):
    """Articles tagged with an entity whose text never names it as typed."""
    interpol = OrganisationFactory(name="Interpol", aliases=["International Criminal Police Organization"])
    library = OrganisationFactory(name="National Library of Chile", aliases=["Biblioteca Nacional de Chile"])
    ArticleFactory(slug="icpo", title="Raids across four countries", body="The I.C.P.O. said 25 were held.",
                   organisations=[interpol])  # fmt: skip
    ArticleFactory(slug="oipc", title="Detenidos en cuatro países", body="La OIPC detuvo a 25 personas.", language="es",
                   organisations=[interpol])  # fmt: skip
    ArticleFactory(slug="mentions", title="Interpol named in report", body="Interpol was named.")
    ArticleFactory(slug="library", title="Hackers deface a web site", body="The Biblioteca Nacional site was down.",
                   organisations=[library], countries=["CL"])  # fmt: skip
    ArticleFactory(slug="other", title="Unrelated story", body="Nothing about police here.", countries=["ES"])
    index_everything()


@pytest.mark.parametrize("q", ["Interpol", "interpol", "  INTERPOL ", "International Criminal Police Organization"])
def test_an_entitys_exact_name_finds_its_tagged_articles_however_the_text_spells_it(differently_spelled, q):
    found = slugs(search(f"q={q}"))
    assert {"icpo", "oipc"} <= found  # tagged, the text says "I.C.P.O." or, in Spanish, "OIPC"
    assert "other" not in found
    if q.strip().lower() == "interpol":
        assert "mentions" in found  # the text still counts: named but not tagged


def test_a_long_entity_name_finds_its_tagged_articles(differently_spelled):
    assert slugs(search("q=National Library of Chile")) == {"library"}
    assert slugs(search("q=national library of chile")) == {"library"}


def test_a_name_that_is_not_exactly_an_entitys_is_text_only(differently_spelled):
    assert "icpo" not in slugs(search("q=Interpo"))
    assert "icpo" not in slugs(search("q=Interpol raids"))
    assert slugs(search("q=National Library")) == set()


def test_a_country_is_found_by_its_name_in_every_language_of_the_site(differently_spelled):
    for q in ("Spain", "España", "espana"):
        assert "other" in slugs(search(f"q={q}")), q
    with translation.override("es"):
        assert "other" in slugs(search("q=Spain"))


def test_the_exact_name_search_keeps_the_other_filters(differently_spelled):
    assert slugs(search("q=Interpol&country=CL")) == set()
    assert slugs(search("q=Chile&country=CL")) == {"library"}


def test_the_search_page_for_a_suggestions_text_lists_the_entitys_articles(client, differently_spelled):
    html = client.get("/", {"q": "National Library of Chile"}).content.decode()
    assert "Hackers deface a web site" in html
    assert Country.objects.get(code="CL").name in html  # the hit's tags are shown with it


# Names are asked of the database at most once a second ------------------------------------------


def test_an_alias_saved_in_this_process_is_matched_at_once(differently_spelled):
    assert "icpo" not in slugs(search("q=Lyon Bureau"))
    interpol = Organisation.objects.get(name="Interpol")
    interpol.aliases = [*interpol.aliases, "Lyon Bureau"]
    interpol.save()
    assert "icpo" in slugs(search("q=Lyon Bureau"))


def test_an_alias_saved_by_another_process_is_matched_after_the_recheck(differently_spelled, monkeypatch):
    from search import entity_names

    assert "icpo" not in slugs(search("q=Lyon Bureau"))
    # A queryset update sends no signal: this process learns of it as it would of another's save.
    Organisation.objects.filter(name="Interpol").update(aliases=["Lyon Bureau"], updated_at=datetime.now(timezone.utc))
    assert "icpo" not in slugs(search("q=Lyon Bureau")), "the names were asked of the database again within the second"
    later = entity_names.clock() + entity_names.NAMES_RECHECK_SECONDS
    monkeypatch.setattr(entity_names, "clock", lambda: later)
    assert "icpo" in slugs(search("q=Lyon Bureau"))
