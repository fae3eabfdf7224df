"""The sample archive loads, is idempotent, and every tag in it names a real entity."""

import json

import pytest
from django.core.management import call_command

from articles.models import Article, Country, Operation, Organisation
from articles.sample_archive import SAMPLE_ARCHIVE, sample_archive_load
from tests.conftest import index_everything
from tests.search.helpers import facet_counts, search


def test_countries_come_from_pycountry(db):
    assert Country.objects.count() >= 249
    assert Country.objects.get(code="MX").name == "Mexico"


def test_sample_archive_loads_every_article_with_its_tags(db):
    data = json.loads(SAMPLE_ARCHIVE.read_text())
    summary = sample_archive_load()
    assert summary.created == len(data["articles"]) >= 30
    unmask = Article.objects.get(slug=next(a["slug"] for a in data["articles"] if "Operation Unmask" in a["operations"]))
    assert set(unmask.countries.values_list("code", flat=True)) >= {"AR", "CL", "CO", "ES"}
    assert Operation.objects.get(name="Operation Cartel").aliases  # OpCartel and friends


def test_loading_twice_changes_nothing(db):
    sample_archive_load()
    counts = (Article.objects.count(), Organisation.objects.count(), Operation.objects.count())
    tags = sum(article.countries.count() + article.organisations.count() for article in Article.objects.all())
    summary = sample_archive_load()
    assert (summary.created, summary.updated) == (0, 0)
    assert (Article.objects.count(), Organisation.objects.count(), Operation.objects.count()) == counts
    assert sum(a.countries.count() + a.organisations.count() for a in Article.objects.all()) == tags


def test_load_sample_if_empty_leaves_an_archive_alone(db, capsys):
    sample_archive_load()
    Article.objects.filter(slug__contains="a").first().delete()
    before = Article.objects.count()
    call_command("load_sample", "--if-empty")
    assert Article.objects.count() == before
    assert "not loaded" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sample_archive_is_searchable_by_its_seed_stories(search_index):
    sample_archive_load()
    index_everything()
    result = search("q=Zetas")
    assert result.total >= 2
    assert "operation-cartel" in facet_counts(result, "operation")
    assert search("operation=operation-unmask&country=CL").total >= 1
    # Text and a filter together over a few dozen articles (Whoosh's Require matcher failed here).
    with_filter = search("q=cartel&country=MX")
    assert 0 < with_filter.total <= result.total
    assert all("MX" in [tag.value for tag in hit.countries] for hit in with_filter.hits)
