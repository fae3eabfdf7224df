"""The admin's article list answers from indexes: its filters list what Django's own list, and
no query it makes reads every article (at a million articles that took 106 s, docs/performance.md)."""

from datetime import datetime, timezone

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.admin_filters import PublishedYearListFilter, TaggedListFilter
from articles.models import Article, Country
from articles.tag_kinds import TAG_KINDS
from tests.factories import ArticleFactory, OperationFactory, OrganisationFactory

CHANGELIST = "/admin/articles/article/"


@pytest.fixture
def tagged(db):
    police, army = OrganisationFactory(name="Policía Federal"), OrganisationFactory(name="Army")  # army: tagged nowhere
    unmask = OperationFactory(name="Operation Unmask")
    ArticleFactory(title="Arrests in Chile", countries=["CL"], organisations=[police], operations=[unmask],
                   published_at=datetime(2012, 3, 1, 12, tzinfo=timezone.utc), source="Reuters")  # fmt: skip
    ArticleFactory(title="Cartel in Mexico", countries=["MX", "CL"], source="El País",
                   published_at=datetime(2011, 1, 1, 3, tzinfo=timezone.utc))  # 2010 in Mexico City
    ArticleFactory(title="Older", published_at=datetime(2008, 6, 1, tzinfo=timezone.utc), source="")
    return army


def filter_choices(admin_client, parameter: str) -> list[str]:
    """The labels the list's filter of ``parameter`` offers, as the changelist builds it."""
    response = admin_client.get(CHANGELIST)
    spec = next(spec for spec in response.context["cl"].filter_specs
                if getattr(spec, "lookup_kwarg", getattr(spec, "parameter_name", None)) == parameter)  # fmt: skip
    return [choice["display"] for choice in spec.choices(response.context["cl"])][1:]  # after "All"


def test_the_tag_filters_list_what_djangos_related_only_filter_lists(admin_client, tagged, monkeypatch):
    ours = {kind.field: filter_choices(admin_client, f"{kind.field}__id__exact") for kind in TAG_KINDS}
    assert "Army" not in ours["organisations"] and "Policía Federal" in ours["organisations"]
    tagged_countries = sorted(str(country) for country in Country.objects.filter(code__in=["CL", "MX"]))
    assert sorted(ours["countries"]) == ["-", *tagged_countries]  # "-": the articles without one
    article_admin = admin.site._registry[Article]
    django_filters = [(kind.field, admin.RelatedOnlyFieldListFilter) for kind in TAG_KINDS]
    monkeypatch.setattr(article_admin, "list_filter", django_filters + list(article_admin.list_filter[len(TAG_KINDS):]))
    djangos = {kind.field: filter_choices(admin_client, f"{kind.field}__id__exact") for kind in TAG_KINDS}
    assert ours == djangos


def test_the_year_filter_lists_the_years_newest_first_and_keeps_to_the_local_year(admin_client, tagged, settings):
    settings.TIME_ZONE = "America/Mexico_City"
    assert filter_choices(admin_client, "year") == ["2012", "2011", "2010", "2009", "2008"]
    response = admin_client.get(CHANGELIST, {"year": "2010"})
    assert [article.title for article in response.context["cl"].result_list] == ["Cartel in Mexico"]
    response = admin_client.get(CHANGELIST, {"year": "2011"})
    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize("year", ["abc", "20x1", "0", "99999", "²⁰¹²"])
def test_a_year_that_is_not_one_is_refused_as_djangos_own_filters_refuse_bad_values(admin_client, tagged, year):
    response = admin_client.get(CHANGELIST, {"year": year})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_publication_filter_lists_each_source_once(admin_client, tagged):
    assert filter_choices(admin_client, "source") == ["", "El País", "Reuters"]


def plan_of(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return [row[-1] for row in cursor.fetchall()]


def slow_reads(sql: str) -> list[str]:
    """What in SQLite's plan of ``sql`` reads every article: the table row by row rather than
    through an index; a first or last date read by scanning the date index rather than looking
    it up (SQLite looks up one MIN or MAX a query, not both); a function called on every row."""
    plan = plan_of(sql)
    slow = [line for line in plan if line.startswith("SCAN articles_article") and "INDEX" not in line]
    if "MIN(" in sql or "MAX(" in sql:
        slow += [line for line in plan if not line.startswith("SEARCH")]
    if "django_datetime_trunc" in sql:  # date_hierarchy's years: a Python function called per row
        slow.append("a date truncated on every row")
    return slow


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plans; PostgreSQL answers min and max from the index on its own")
@pytest.mark.parametrize("query", [{}, {"year": "2012"}, {"countries__id__exact": "1"}, {"source": "Reuters"}])
def test_no_query_of_the_list_reads_every_article(admin_client, tagged, query):
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(CHANGELIST, query).status_code == 200
    read_articles = [q["sql"] for q in queries.captured_queries if "articles_article" in q["sql"] and q["sql"].startswith("SELECT")]
    assert read_articles
    slow = {sql: slow_reads(sql) for sql in read_articles}
    assert not {sql: lines for sql, lines in slow.items() if lines}
