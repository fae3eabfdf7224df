"""The registry of tag kinds is the one list of them: every reader has one part per registered kind.

Each test walks ``TAG_KINDS`` and looks for that kind's part in a reader, so a reader that still
named the kinds itself, or missed one, would fail here.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import signals
from django.http import QueryDict
from django.urls import resolve

from articles.entity_views import entity_detail
from articles.models import Article, TagRejection
from articles.tag_kinds import TAG_KINDS, tag_kind, tag_kind_of
from search.consistency import CHECKED_FIELDS
from search.exports import CSV_COLUMNS
from search.facets import TAG_FACETS
from search.forms import SearchForm
from search.params import SearchParams
from search.search_indexes import ArticleIndex
from tests.search.conftest import small_archive  # noqa: F401 (a fixture)


def test_every_kind_has_a_through_model_and_an_article_field():
    for kind in TAG_KINDS:
        field = Article._meta.get_field(kind.field)
        assert field.related_model is kind.model and field.remote_field.through is kind.through
        assert kind.through._meta.get_field(kind.name).related_model is kind.model
        assert tag_kind_of(kind.model) is tag_kind_of(kind.through) is tag_kind(kind.name) is kind
    assert [value for value, _ in TagRejection._meta.get_field("kind").choices] == [kind.name for kind in TAG_KINDS]


def test_every_kind_has_an_admin_inline_and_a_list_filter():
    article_admin = admin.site._registry[Article]
    assert [inline.model for inline in article_admin.inlines] == [kind.through for kind in TAG_KINDS]
    assert [name for name, _ in article_admin.list_filter[: len(TAG_KINDS)]] == [kind.field for kind in TAG_KINDS]
    assert all(admin.site.is_registered(kind.model) for kind in TAG_KINDS)  # for the inlines' autocomplete


def test_every_kind_has_a_facet_and_a_search_parameter():
    assert [(facet.name, facet.field) for facet in TAG_FACETS] == [(kind.name, kind.field) for kind in TAG_KINDS]
    params = SearchParams(**{kind.field: (f"{kind.name}-value",) for kind in TAG_KINDS})
    assert params.has_filters
    assert params.query_items() == [(kind.name, f"{kind.name}-value") for kind in TAG_KINDS]


def test_every_kind_is_a_declared_index_field_that_the_check_compares():
    for kind in TAG_KINDS:
        field = ArticleIndex.fields[kind.field]
        assert field.index_fieldname == kind.field and field.is_multivalued
        assert kind.field in CHECKED_FIELDS and kind.field in CSV_COLUMNS


def test_every_kind_has_signal_receivers_connected():
    receivers = apps.get_app_config("haystack").signal_processor.receivers()
    for kind in TAG_KINDS:
        senders = {(signal, sender) for signal, _, sender in receivers}
        assert {(signals.post_save, kind.through), (signals.post_delete, kind.through)} <= senders
        assert {(signals.m2m_changed, kind.through), (signals.post_save, kind.model)} <= senders
        assert signals.m2m_changed.has_listeners(kind.through) and signals.post_save.has_listeners(kind.model)


def test_every_kind_has_an_entity_page():
    for kind in TAG_KINDS:
        match = resolve(kind.page_url("some-key"))
        assert match.func is entity_detail and match.kwargs == {"kind": kind.name, "key": "some-key"}
        assert kind.page_url("some-key") == f"/{kind.field}/some-key/"


@pytest.mark.django_db
def test_the_search_form_takes_every_kind_and_explains_an_unknown_value():
    form = SearchForm(QueryDict("&".join(f"{kind.name}=nothing-known" for kind in TAG_KINDS)))
    params = form.search_params()
    assert all(getattr(params, kind.field) == () for kind in TAG_KINDS)
    explained = [notice.split(" “")[0] for notice in params.notices]
    assert explained == [f"Ignored unknown {kind.name}" for kind in TAG_KINDS]


def test_an_article_is_found_and_shown_by_each_kind_of_its_tags(client, small_archive):  # noqa: F811
    article = Article.objects.with_tags().get(slug="a1")
    prepared = ArticleIndex().full_prepare(article)
    for kind in TAG_KINDS:
        entity = getattr(article, kind.field).all()[0]
        key = getattr(entity, kind.key)
        assert key in prepared[kind.field]
        hits = client.get("/api/search", {kind.name: key}).json()["results"]
        assert key in next(hit for hit in hits if hit["slug"] == "a1")[kind.field]
        assert entity.get_absolute_url() == f"/?{kind.name}={key}"
        assert client.get(kind.page_url(key)).status_code == 200


def test_articles_loaded_for_indexing_are_prepared_as_any_article_is(small_archive, django_assert_num_queries):  # noqa: F811
    """``for_indexing`` loads every kind's keys in one query a kind, and the documents prepared
    from them are those prepared from articles read one by one (haystack's own updates)."""
    index = ArticleIndex()
    with django_assert_num_queries(1 + len(TAG_KINDS)):
        loaded = list(Article.objects.for_indexing().order_by("pk"))
        prepared = [index.full_prepare(article) for article in loaded]
    assert all(isinstance(getattr(article, kind.loaded_attr), list) for article in loaded for kind in TAG_KINDS)
    one_by_one = [index.full_prepare(Article.objects.get(pk=article.pk)) for article in loaded]
    assert prepared == one_by_one
    assert all(any(document[kind.field] for document in prepared) for kind in TAG_KINDS)
