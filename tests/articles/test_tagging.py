"""Extraction into tags, and editors' decisions winning over it."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from articles.merging import entity_merge
from articles.models import (
    Article,
    ArticleCountry,
    Country,
    Operation,
    Organisation,
    OrganisationSuggestion,
    SuggestionStatus,
    TagKind,
    TagOrigin,
    TagRejection,
)
from articles.tagging import article_extract_tags, editor_tags_changed
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory, OperationFactory, OrganisationFactory

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
CARTEL_TEXT = (
    "Anonymous members launched OpCartel against the Zetas cartel in Mexico after a kidnapping in Veracruz. "
    "Operation Cartel was started by a few Anons, a former Drug Enforcement Administration official said."
)


def codes(article):
    return set(article.countries.values_list("code", flat=True))


def test_extraction_tags_countries_organisations_and_one_operation(db):
    article = ArticleFactory(title="Anonymous threatens cartel", body=CARTEL_TEXT)
    article_extract_tags(article)
    assert "MX" in codes(article)
    organisations = set(article.organisations.values_list("slug", flat=True))
    assert {"anonymous", "drug-enforcement-administration"} <= organisations
    assert list(article.operations.values_list("name", flat=True)) == ["Operation Cartel"]
    assert "OpCartel" in Operation.objects.get(name="Operation Cartel").aliases
    assert set(ArticleCountry.objects.filter(article=article).values_list("origin", flat=True)) == {TagOrigin.EXTRACTED}
    article.refresh_from_db()
    assert article.extracted_at is not None


@pytest.mark.skipif(not SEEDS.exists(), reason="../shared/seeds is not beside this checkout")
def test_the_unmask_seed_is_tagged_with_its_four_countries(db):
    text = next(SEEDS.glob("000_*.txt")).read_text()
    title, body = text.split("\n", 1)
    article = ArticleFactory(title=title, body=body)
    article_extract_tags(article)
    assert {"AR", "CL", "CO", "ES"} <= codes(article)
    assert {"interpol", "anonymous"} <= set(article.organisations.values_list("slug", flat=True))


def test_an_editor_tag_survives_extraction(db):
    article = ArticleFactory(title="Cartel story", body=CARTEL_TEXT, countries=["JP"])
    article_extract_tags(article)
    assert "JP" in codes(article)  # not in the text, but an editor put it there


def test_a_tag_the_editor_removed_is_not_extracted_again(db):
    article = ArticleFactory(title="Cartel story", body=CARTEL_TEXT)
    article_extract_tags(article)
    mexico = Country.objects.get(code="MX")
    article.countries.remove(mexico)
    editor_tags_changed(article, kind=TagKind.COUNTRY, removed=[mexico.pk])
    article_extract_tags(article)
    assert "MX" not in codes(article)
    # Adding it back by hand lifts the rejection and makes it an editor tag.
    ArticleCountry.objects.create(article=article, country=mexico)
    editor_tags_changed(article, kind=TagKind.COUNTRY, added=[mexico.pk])
    assert not TagRejection.objects.filter(article=article).exists()


def test_extracted_tags_follow_a_text_change(db):
    article = ArticleFactory(title="Cartel story", body=CARTEL_TEXT)
    article_extract_tags(article)
    article.body = "Police in Spain arrested four people in Madrid."
    article.save()
    article_extract_tags(article)
    assert "ES" in codes(article) and "MX" not in codes(article)


def test_new_organisation_names_are_suggested_not_accepted(db):
    article = ArticleFactory(title="Raid", body="The Ruritanian Cyber Defence Agency said the Zorblax Group was behind it.")
    article_extract_tags(article)
    suggested = set(OrganisationSuggestion.objects.values_list("name", flat=True))
    assert suggested
    assert not Organisation.objects.filter(name__in=suggested).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_removal_in_the_admin_is_remembered(client, search_index):
    client.force_login(get_user_model().objects.create_superuser("editor", "e@example.org", "a-long-test-password"))
    article = ArticleFactory(title="Cartel story", body=CARTEL_TEXT)
    article_extract_tags(article)
    url = f"/admin/articles/article/{article.pk}/change/"
    response = client.get(url)
    data = admin_form_data(response)
    mexico = Country.objects.get(code="MX")
    index = next(i for i in range(10) if data.get(f"articlecountry_set-{i}-country") == str(mexico.pk))
    data[f"articlecountry_set-{index}-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert "MX" not in codes(article)  # extraction ran again on save and respected the removal
    assert TagRejection.objects.filter(article=article, kind=TagKind.COUNTRY, entity_id=mexico.pk).exists()
    from tests.search.helpers import search

    assert search("country=MX").total == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_merging_moves_articles_and_names_and_reaches_the_index(search_index):
    from tests.search.helpers import facet_counts, search

    survivor = OperationFactory(name="Operation Cartel Test")
    duplicate = OperationFactory(name="OpCartelTest Duplicate", aliases=["#OpCartelTest"])
    ArticleFactory(slug="both", operations=[survivor, duplicate])
    ArticleFactory(slug="only", operations=[duplicate])
    moved = entity_merge(survivor=survivor, merged=[duplicate])
    assert moved == 2
    assert not Operation.objects.filter(pk=duplicate.pk).exists()
    survivor.refresh_from_db()
    assert {"OpCartelTest Duplicate", "#OpCartelTest"} <= set(survivor.aliases)
    assert set(Article.objects.filter(operations=survivor).values_list("slug", flat=True)) == {"both", "only"}
    assert facet_counts(search(""), "operation") == {survivor.slug: 2}


def test_merging_keeps_editor_rejections(db):
    survivor = OrganisationFactory(name="Example Survivor")
    duplicate = OrganisationFactory(name="Example Duplicate")
    article = ArticleFactory()
    TagRejection.objects.create(article=article, kind=TagKind.ORGANISATION, entity_id=duplicate.pk)
    entity_merge(survivor=survivor, merged=[duplicate])
    assert TagRejection.objects.filter(article=article, kind=TagKind.ORGANISATION, entity_id=survivor.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_merge_action_in_the_admin_asks_then_merges(client):
    client.force_login(get_user_model().objects.create_superuser("editor", "e@example.org", "a-long-test-password"))
    first = OrganisationFactory(name="Example Alpha")
    second = OrganisationFactory(name="Example Alpha Inc")
    ArticleFactory(organisations=[second])
    form = {"action": "merge_selected", "_selected_action": [first.pk, second.pk]}
    response = client.post("/admin/articles/organisation/", form)
    assert response.status_code == 200 and b"Which one survives" in response.content
    response = client.post("/admin/articles/organisation/", form | {"survivor": first.pk})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.aliases == ["Example Alpha Inc"] and first.articles.count() == 1


def test_approving_and_rejecting_suggestions(admin_client):
    approved = OrganisationSuggestion.objects.create(name="Zorblax Group", mentions=3)
    rejected = OrganisationSuggestion.objects.create(name="Monday Group", mentions=1)
    changelist = "/admin/articles/organisationsuggestion/"
    admin_client.post(changelist, {"action": "approve", "_selected_action": [approved.pk]})
    admin_client.post(changelist, {"action": "reject", "_selected_action": [rejected.pk]})
    assert Organisation.objects.filter(name="Zorblax Group").exists()
    rejected.refresh_from_db()
    assert rejected.status == SuggestionStatus.REJECTED
    article = ArticleFactory(body="The Monday Group met again.")
    article_extract_tags(article)
    rejected.refresh_from_db()
    assert rejected.mentions == 1  # a rejected name is not counted or proposed again
