"""Settings read from the environment: the search URL picks the engine, flags parse as people type them."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from newsarchive.settings import env_flag, haystack_connection


def test_whoosh_url_names_the_index_directory():
    connection = haystack_connection("whoosh:///srv/newsarchive/data/whoosh_index")
    assert connection["ENGINE"] == "search.engine.backend.ArchiveWhooshEngine"
    assert connection["PATH"] == "/srv/newsarchive/data/whoosh_index"


def test_elasticsearch_and_solr_urls_select_haystack_backends():
    elasticsearch = haystack_connection("elasticsearch://es1.internal:9200/news")
    assert elasticsearch["ENGINE"] == "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine"
    assert (elasticsearch["URL"], elasticsearch["INDEX_NAME"]) == ("http://es1.internal:9200/", "news")
    solr = haystack_connection("solr://solr.internal:8983/solr/news")
    assert solr["ENGINE"] == "haystack.backends.solr_backend.SolrEngine"
    assert solr["URL"] == "http://solr.internal:8983/solr/news"


@pytest.mark.parametrize("url", ["whoosh://", "redis://localhost/0", "index"])
def test_unusable_search_urls_fail_loudly(url):
    with pytest.raises(ImproperlyConfigured):
        haystack_connection(url)


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("On", True), ("0", False), ("no", False), ("", None)])
def test_flags(monkeypatch, value, expected):
    monkeypatch.setenv("SOME_FLAG", value)
    assert env_flag("SOME_FLAG", None) is expected
