"""One normal form (NFC) for stored text, queries and the index: "Me\u0301xico" typed with a
combining accent is "México", and finds what "Mexico" and "México" find."""

import unicodedata

import pytest

from django.contrib.auth import get_user_model

from articles.extraction import Extraction
from articles.models import Article, Organisation
from articles.normal_form import normal_form
from articles.tagging import article_extract_tags
from tests.conftest import index_everything
from tests.factories import ArticleFactory

from .search.helpers import search, slugs

NFD_MEXICO = "Me\u0301xico"  # "e" and a combining acute accent
NFC_MEXICO = "M\u00e9xico"


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def test_normal_form_composes_combining_accents():
    assert normal_form(NFD_MEXICO) == NFC_MEXICO
    assert normal_form("Mexico") == "Mexico"
    assert normal_form(NFC_MEXICO) == NFC_MEXICO


@pytest.mark.django_db
def test_an_article_is_stored_in_the_normal_form():
    article = ArticleFactory(title=f"Cartel in {NFD_MEXICO}", body=f"Le\u0301on and {NFD_MEXICO}.", byline="Jose\u0301")
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.body, stored.byline) == (f"Cartel in {NFC_MEXICO}", f"L\u00e9on and {NFC_MEXICO}.", "Jos\u00e9")


@pytest.mark.django_db
def test_articles_written_in_batches_are_stored_in_the_normal_form():
    Article.objects.bulk_create([Article(title=NFD_MEXICO, slug="batch", body=NFD_MEXICO, published_at="2011-01-01T00:00Z")])
    assert Article.objects.filter(slug="batch").values_list("title", "body").get() == (NFC_MEXICO, NFC_MEXICO)


@pytest.mark.django_db
def test_an_entity_is_stored_in_the_normal_form_with_its_aliases():
    organisation = Organisation.objects.create(name="Banco de Me\u0301xico", slug="banxico", aliases=["Banxico", "Banco Me\u0301xico"])
    organisation.refresh_from_db()
    assert organisation.name == "Banco de M\u00e9xico" and organisation.aliases == ["Banxico", "Banco M\u00e9xico"]


@pytest.mark.django_db
def test_the_admin_refuses_a_decomposed_copy_of_an_existing_name(client):
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password"))
    Organisation.objects.create(name=f"Banco de {NFC_MEXICO}", slug="banco-de-mexico")
    response = client.post(
        "/admin/articles/organisation/add/", {"name": f"Banco de {NFD_MEXICO}", "slug": "banco-de-mexico-2", "aliases": ""}
    )
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert Organisation.objects.filter(name__startswith="Banco de").count() == 1


@pytest.mark.django_db
def test_extraction_is_given_the_normal_form():
    seen = []

    class RecordingMatcher:
        def extract(self, *texts):
            seen.extend(texts)
            return Extraction(frozenset(), frozenset(), (), frozenset())

    article = ArticleFactory(title=f"News from {NFD_MEXICO}", body=f"{NFD_MEXICO} City.", dateline=f"{NFD_MEXICO.upper()}, Feb 26")
    article_extract_tags(article, matcher=RecordingMatcher())
    assert seen and all(is_nfc(text) for text in seen)


@pytest.fixture
def decomposed_and_composed(db, search_index):
    """One article written with a combining accent, one with the composed letter."""
    ArticleFactory(slug="decomposed", title="Cartel threat", body=f"Hackers warned the cartel in {NFD_MEXICO}.")
    ArticleFactory(slug="composed", title="Vote to continue", body=f"Members in {NFC_MEXICO} voted to continue.")
    index_everything()


@pytest.mark.parametrize(
    "query",
    # Accent folding ("Mexico" finds "México") is the archive engine's; haystack's stock engine has none.
    [NFC_MEXICO, NFD_MEXICO, pytest.param("Mexico", marks=pytest.mark.archive_engine), pytest.param("mexico", marks=pytest.mark.archive_engine)],
)
def test_every_spelling_of_a_word_finds_both_articles(client, decomposed_and_composed, query):
    response = client.get("/api/search", {"q": query})
    assert {hit["slug"] for hit in response.json()["results"]} == {"decomposed", "composed"}
    assert response.json()["query"] == normal_form(query)


def test_the_search_page_shows_a_decomposed_query_in_the_normal_form(client, decomposed_and_composed):
    html = client.get("/", {"q": NFD_MEXICO}).content.decode()
    assert NFD_MEXICO not in html and 'value="M\u00e9xico"' in html


@pytest.mark.archive_engine
def test_the_index_folds_decomposed_text_written_past_the_models(db, search_index):
    """Text already stored decomposed (before this normal form) is found once it is reindexed."""
    article = ArticleFactory(slug="legacy", title="Old story", body="placeholder")
    Article.objects.filter(pk=article.pk).update(body=f"Protests in {NFD_MEXICO} and Le\u0301on.")
    index_everything()
    assert slugs(search("q=Mexico")) == {"legacy"}
    assert slugs(search(f"q={NFC_MEXICO}")) == {"legacy"}
    assert slugs(search("q=leon")) == {"legacy"}


@pytest.mark.archive_engine
def test_the_engine_folds_a_decomposed_query_given_past_the_form(decomposed_and_composed):
    """A SearchQuerySet built in code, without the search form's normal form, matches the same."""
    from haystack.query import SearchQuerySet

    found = {result.slug for result in SearchQuerySet().models(Article).auto_query(NFD_MEXICO)}
    assert found == {"decomposed", "composed"}
