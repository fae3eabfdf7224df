"""Related articles: search/related.py, /api/articles/<slug>/related and the article page's section."""

from datetime import datetime, timezone

import pytest

from articles.models import LanguageOrigin
from search.engine.interface import SearchUnavailable
from search.related import related_articles
from tests.conftest import index_everything
from tests.factories import ArticleFactory, OperationFactory, OrganisationFactory

INTERPOL_RAID = (
    "Police in Spain arrested four suspected members of the hacker group Anonymous in an operation "
    "coordinated by Interpol with Argentina, Chile and Colombia. The suspects are accused of attacks "
    "on government websites and of leaking the personal data of police officers."
)
ZETAS_THREAT = (
    "Anonymous threatened the Zetas cartel in Mexico after an activist was kidnapped in Veracruz. "
    "The hackers said they would publish the names of police officers and journalists who work with the cartel."
)
SPANISH_ARRESTS = (
    "La Policía Nacional detuvo a cuatro presuntos miembros de Anonymous en Málaga, Madrid y "
    "Barcelona en una operación coordinada por Interpol con Argentina, Chile y Colombia."
)
SPANISH_SITE_DOWN = (
    "La web de Interpol dejó de funcionar tras las detenciones de presuntos miembros de Anonymous; "
    "la Policía Nacional investiga el ataque."
)


def article(slug, body, *, title=None, language="en", source="NewsArchive", day=1, **tags):
    return ArticleFactory(
        slug=slug, title=title or slug.replace("-", " ").capitalize(), body=body, source=source,
        language=language, language_origin=LanguageOrigin.RECORD,
        published_at=datetime(2012, 3, day, 12, tzinfo=timezone.utc), **tags,
    )  # fmt: skip


def related_slugs(source, **kwargs) -> list[str]:
    return [hit.slug for hit in related_articles(source, **kwargs)]


TOPIC = ("anonymous", "police", "interpol", "hackers", "arrested", "spain", "suspects", "websites")
FILLERS = ("monday", "officials", "later", "several", "reported", "capital", "statement", "sources", "week")


@pytest.fixture
def raid_stories(db, search_index):
    """Eight stories about Anonymous and the police, each worded its own way (no wire copies);
    raid-0 is the one asked about."""
    for number in range(8):
        words = [f"{topic} {FILLERS[(i + number) % len(FILLERS)]}" for i, topic in enumerate(TOPIC[number % 3 :])]
        article(f"raid-{number}", " ".join(words) + ".", title=f"Raid story {number}", day=number + 1)
    index_everything()


def test_never_the_article_itself_and_at_most_five(raid_stories):
    from articles.models import Article

    source = Article.objects.get(slug="raid-0")
    found = related_slugs(source)
    assert "raid-0" not in found
    assert 1 <= len(found) <= 5
    assert len(related_slugs(source, limit=2)) <= 2


@pytest.mark.archive_engine  # stock Whoosh's more_like_this keeps copies
def test_a_wire_copy_is_never_related(db, search_index):
    """The same story from another agency and a re-import with a changed headline are the
    article; the other story on the same arrests is related."""
    source = article("raid", INTERPOL_RAID, title="Interpol arrests four Anonymous suspects")
    article("raid-ap", "MADRID (AP) — " + INTERPOL_RAID + " Officials declined to comment.", source="AP",
            title="Spain arrests four in Anonymous raid")  # fmt: skip
    article("raid-again", INTERPOL_RAID.replace("four", "4"), title="Interpol arrests four Anonymous suspects (updated)")
    article("raid-followup", "Interpol said its website was attacked by Anonymous after police in Spain "
            "arrested suspected members of the hacker group.", title="Interpol site attacked")  # fmt: skip
    index_everything()
    assert related_slugs(source) == ["raid-followup"]


COMMON_NEWS = "Police officers and government officials in Spain said on {} that data on the attacks would be published."


@pytest.mark.archive_engine  # stock Whoosh's more_like_this reads the text alone
def test_sharing_an_operation_outranks_sharing_only_common_words(db, search_index):
    """"wordy" shares more of the raid's words, but words every story has; "site-down" shares
    the raid's operation and organisation, and few words."""
    unmask = OperationFactory(name="Operation Unmask")
    interpol = OrganisationFactory(name="Interpol")
    source = article("raid", INTERPOL_RAID, operations=[unmask], organisations=[interpol], countries=["ES"])
    article("site-down", "The Interpol site was down for hours on Tuesday; engineers restored the service in the "
            "evening after a long day.", operations=[unmask], organisations=[interpol])  # fmt: skip
    article("wordy", "On Friday government officials told police officers in Spain that the attacks data was published.")
    for number, day in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Saturday", "Sunday")):
        article(f"news-{number}", COMMON_NEWS.format(day) + f" Story {number} of the week.", day=number + 2)
    index_everything()
    found = related_slugs(source, limit=10)
    assert found.index("site-down") < found.index("wordy")


@pytest.mark.archive_engine  # stock Whoosh analyses every article as English
def test_a_spanish_article_gets_spanish_related_articles(db, search_index):
    source = article("es-arrests", SPANISH_ARRESTS, language="es", title="Detenidos cuatro miembros de Anonymous")
    article("es-site-down", SPANISH_SITE_DOWN, language="es", title="Cae la web de Interpol")
    article("en-raid", INTERPOL_RAID, title="Interpol arrests four Anonymous suspects")
    article("en-zetas", ZETAS_THREAT, title="Anonymous threatens the Zetas")
    index_everything()
    assert related_slugs(source) == ["es-site-down"]


def test_an_article_like_no_other_has_none(db, search_index):
    source = article("kettle", "Boils water quickly.")
    article("raid", INTERPOL_RAID)
    index_everything()
    assert related_slugs(source) == []


def test_api_gives_results_shaped_as_the_search_apis(client, raid_stories):
    related = client.get("/api/articles/raid-0/related")
    assert related.status_code == 200
    results = related.json()["results"]
    assert 1 <= len(results) <= 5 and "raid-0" not in [result["slug"] for result in results]
    searched = client.get("/api/search", {"q": "interpol"}).json()["results"]
    assert [set(result) for result in results] == [set(searched[0])] * len(results)
    assert results[0]["url"].startswith("http://testserver/articles/raid-")


def test_api_answers_404_for_an_unknown_article(client, raid_stories):
    response = client.get("/api/articles/no-such-article/related")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_api_is_read_only(client, raid_stories):
    assert client.post("/api/articles/raid-0/related").status_code == 405


def test_article_page_lists_related_articles(client, raid_stories):
    page = client.get("/articles/raid-0/").content.decode()
    assert 'aria-labelledby="related-articles"' in page
    section = page.split('id="related-articles"')[1].split("</section>")[0]
    assert 1 <= section.count("<li>") <= 5
    assert 'href="/articles/raid-0/"' not in section
    assert section.count('href="/articles/raid-') == section.count("<li>")


def test_article_page_has_no_related_section_when_there_are_none(client, db, search_index):
    article("kettle", "Boils water quickly.")
    article("raid", INTERPOL_RAID)
    index_everything()
    page = client.get("/articles/kettle/")
    assert page.status_code == 200
    assert "related-articles" not in page.content.decode()


def test_article_page_shows_without_related_articles_when_search_is_unavailable(client, raid_stories, monkeypatch):
    def unavailable(article):
        raise SearchUnavailable("the search index cannot be opened")

    monkeypatch.setattr("articles.views.related_articles", unavailable)
    page = client.get("/articles/raid-0/")
    assert page.status_code == 200
    assert "related-articles" not in page.content.decode()
    assert client.get("/api/articles/raid-0/related").status_code == 200  # the API's own path is untouched


def test_each_related_article_is_listed_once_when_other_models_are_like_it_too(db, search_index):
    """Gadgets like the article are left out; stock Whoosh counted them and repeated the article."""
    from tests.engine_contract.conftest import index_objects, make_gadget

    source = article("panels", "Solar panel prices fell again as sunlight farms spread.")
    article("farms", "Solar panel farms need sunlight and land.")
    index_everything()
    index_objects(*[make_gadget(name=f"Solar panel {n}", description="Sunlight to power, a solar panel.") for n in range(3)])
    assert related_slugs(source) == ["farms"]
