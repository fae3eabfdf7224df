"""The traps of stock haystack 3.4 + Whoosh 2.7, each one checked against a real index on disk."""

from datetime import datetime, timezone

import pytest

from haystack.query import SearchQuerySet

from search.search_indexes import ArticleIndex
from tests.conftest import index_everything, marked
from tests.factories import ArticleFactory, OrganisationFactory

from .helpers import facet_counts, search, slugs


def test_facet_values_are_exact_not_stemmed(db, search_index):
    doj = OrganisationFactory(name="United States Department of Justice")
    ArticleFactory(slug="doj", organisations=[doj], countries=["US"])
    index_everything()
    counts = SearchQuerySet().facet("organisations").facet_counts()["fields"]["organisations"]
    assert counts == [("united-states-department-of-justice", 1)]
    assert facet_counts(search(""), "organisation") == {"united-states-department-of-justice": 1}


def test_a_name_with_a_comma_is_one_value_and_can_be_narrowed_on(small_archive):
    result = search("organisation=strategic-forecasting-inc")
    assert slugs(result) == {"a5"}
    organisation = next(f for f in result.facets if f.name == "organisation")
    assert {v.label for v in organisation.values if v.selected} == {"Strategic Forecasting, Inc."}


def test_country_labels_with_commas_are_one_value(db, search_index):
    # pycountry's name for CD is "Congo, The Democratic Republic of the".
    ArticleFactory(slug="kinshasa", countries=["CD"])
    index_everything()
    result = search("country=CD")
    assert slugs(result) == {"kinshasa"}
    assert facet_counts(result, "country") == {"CD": 1}


@pytest.mark.archive_engine  # stock Whoosh: an empty intersection of narrow() filters nothing
def test_filters_with_an_empty_intersection_match_nothing(small_archive):
    sqs = SearchQuerySet().narrow("countries:MX").narrow("organisations:interpol")
    assert sqs.count() == 0
    assert search("country=MX&organisation=interpol&operation=operation-unmask").total == 0


@pytest.mark.archive_engine  # stock Whoosh: its StemmingAnalyzer does not fold accents
def test_search_ignores_accents_both_ways(small_archive):
    assert slugs(search("q=Mexico")) == {"a1", "a2"}
    assert slugs(search("q=México")) == {"a1", "a2"}
    assert slugs(search("q=Leon")) == {"a2"}


@pytest.mark.archive_engine  # stock Whoosh: no suggestion when nothing matches (its results page is 0)
def test_a_query_with_no_hits_gets_a_spelling_suggestion(small_archive):
    result = search("q=Interpl")
    assert result.total == 0
    assert result.suggestion == "interpol"
    assert result.suggestion_url == "/?q=interpol"


@pytest.mark.archive_engine  # as above
def test_a_suggestion_follows_the_words_an_editor_adds(small_archive):
    # The engine remembers a query's suggestion with the index generation: a save starts another.
    assert search("q=Interpl").suggestion == "interpol"
    ArticleFactory(slug="typo", title="Interpl, as the wire spelled it", body="The agency Interpl answered.")
    index_everything()
    result = search("q=Interpl")
    assert slugs(result) == {"typo"} and result.suggestion is None


def test_a_query_with_hits_gets_no_suggestion(small_archive):
    assert search("q=Interpol").suggestion is None


def test_text_is_stemmed(small_archive):
    assert slugs(search("q=arrest")) == {"a3", "a4"}


def test_snippets_mark_matches_and_escape_the_rest(db, search_index):
    ArticleFactory(slug="xss", title="Payload", body="Before <script>alert('x')</script> the hackers & the police.")
    index_everything()
    [hit] = search("q=hackers").hits
    assert marked("hackers") in hit.snippet
    assert "<script>" not in hit.snippet
    assert "&lt;" in hit.snippet and "&amp;" in hit.snippet  # stock Whoosh's fragment starts later


def test_an_article_saved_again_replaces_its_document(small_archive):
    article = small_archive["a1"]
    article.title = "Renamed headline about volcanoes"
    article.save()
    index_everything()
    assert slugs(search("q=volcanoes")) == {"a1"}
    assert search("").total == 6


def test_browse_is_newest_first_and_sorts_can_be_reversed(small_archive):
    newest = [hit.slug for hit in search("").hits]
    assert newest == ["a5", "a4", "a3", "a2", "a1", "a6"]
    assert [hit.slug for hit in search("sort=oldest").hits] == newest[::-1]


def test_published_at_comes_back_as_an_aware_utc_datetime(small_archive):
    [hit] = search("organisation=federal-bureau-of-investigation").hits
    assert hit.published_at == datetime(2012, 7, 1, tzinfo=timezone.utc)


def test_index_declares_the_fields_the_search_page_needs():
    fields = ArticleIndex().fields
    for name in ("text", "title", "published_at", "year", "year_month", "countries", "organisations", "operations"):
        assert name in fields


def test_text_with_filters_ranks_only_the_filtered_articles(small_archive):
    assert slugs(search("q=cartel&country=MX")) == {"a1", "a2"}
    assert slugs(search("q=cartel&country=US")) == {"a1"}
    assert search("q=cartel&country=ES").total == 0


@pytest.mark.archive_engine  # stock Whoosh: no suggestion when nothing matches
def test_a_suggestion_is_written_the_way_the_archive_writes_it(small_archive):
    # "arested" is near the index term "arrest", which the archive writes "arrested" or "arrests".
    assert search("q=arested").suggestion in {"arrested", "arrests"}
    assert search("q=Interpl police").suggestion == "interpol police"
