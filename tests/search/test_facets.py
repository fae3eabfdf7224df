"""Facet counts on the six-article archive of conftest.py, each expected figure counted by hand."""

from .helpers import facet_counts, search, slugs


def test_whole_archive_counts_every_value(small_archive):
    result = search("")
    assert result.total == 6
    assert facet_counts(result, "country") == {"US": 3, "MX": 2, "ES": 2, "AR": 1, "CL": 1, "CO": 1, "GB": 1}
    assert facet_counts(result, "organisation") == {
        "anonymous": 4, "interpol": 2, "los-zetas": 1, "federal-bureau-of-investigation": 1, "strategic-forecasting-inc": 1, "paypal": 1,
    }  # fmt: skip
    assert facet_counts(result, "operation") == {"operation-cartel": 2, "operation-unmask": 2, "operation-payback": 1}
    assert facet_counts(result, "date") == {"2012": 3, "2011": 2, "2010": 1}


def test_values_of_one_facet_are_ored(small_archive):
    result = search("country=MX&country=ES")
    assert slugs(result) == {"a1", "a2", "a3", "a4"}


def test_a_facet_is_counted_without_its_own_filter(small_archive):
    # Country counts ignore the country filter, so other countries stay selectable ...
    result = search("country=MX")
    assert facet_counts(result, "country") == {"US": 3, "MX": 2, "ES": 2, "AR": 1, "CL": 1, "CO": 1, "GB": 1}
    # ... while the other facets are counted within MX's articles a1 and a2.
    assert facet_counts(result, "organisation") == {"anonymous": 2, "los-zetas": 1}
    assert facet_counts(result, "operation") == {"operation-cartel": 2}
    assert facet_counts(result, "date") == {"2011": 2}


def test_different_facets_are_anded(small_archive):
    result = search("country=ES&organisation=anonymous")
    assert slugs(result) == {"a3"}
    # Organisation counts under country=ES alone: a3 (anonymous, interpol) and a4 (interpol).
    assert facet_counts(result, "organisation") == {"interpol": 2, "anonymous": 1}
    # Country counts under organisation=anonymous alone: a1, a2, a3, a6.
    assert facet_counts(result, "country") == {"MX": 2, "US": 2, "AR": 1, "CL": 1, "CO": 1, "ES": 1, "GB": 1}


def test_an_empty_intersection_gives_no_results(small_archive):
    # MX articles (a1, a2) and Interpol articles (a3, a4) share none.
    result = search("country=MX&organisation=interpol")
    assert result.total == 0
    assert result.hits == []


def test_choosing_a_year_shows_its_months(small_archive):
    result = search("from=2012&to=2012")
    assert slugs(result) == {"a3", "a4", "a5"}
    assert facet_counts(result, "date") == {"2012-02": 2, "2012-07": 1}
    assert facet_counts(result, "country") == {"ES": 2, "AR": 1, "CL": 1, "CO": 1, "US": 1}


def test_choosing_a_month_narrows_to_it(small_archive):
    result = search("from=2012-02&to=2012-02")
    assert slugs(result) == {"a3", "a4"}
    date = next(facet for facet in result.facets if facet.name == "date")
    assert [(v.value, v.count, v.selected) for v in date.values] == [("2012-02", 2, True), ("2012-07", 1, False)]


def test_date_bounds_are_inclusive_days(small_archive):
    assert slugs(search("from=2012-02-29&to=2012-07-01")) == {"a4", "a5"}
    assert slugs(search("to=2010-12-08")) == {"a6"}


def test_date_counts_follow_the_other_filters(small_archive):
    result = search("country=US&from=2012&to=2012")
    assert slugs(result) == {"a5"}
    assert facet_counts(result, "date") == {"2012-07": 1}


def test_a_selected_value_stays_listed_when_nothing_matches_it(small_archive):
    result = search("country=MX&operation=operation-unmask")
    assert result.total == 0
    assert facet_counts(result, "operation")["operation-unmask"] == 0
    assert facet_counts(result, "country")["MX"] == 0


def test_facet_links_add_and_drop_values(small_archive):
    result = search("country=MX")
    country = {v.value: v for v in next(f for f in result.facets if f.name == "country").values}
    assert country["MX"].selected and country["MX"].url == "/"
    assert country["ES"].url == "/?country=MX&country=ES"
    assert [chip.remove_url for chip in result.chips] == ["/"]


def test_a_renamed_organisation_shows_its_new_name_at_once(small_archive):
    from articles.models import Organisation

    assert search("").facets[2].values[0].label == "Anonymous"
    anonymous = Organisation.objects.get(slug="anonymous")
    anonymous.name = "Anonymous (collective)"
    anonymous.save()
    assert search("").facets[2].values[0].label == "Anonymous (collective)"


def test_a_facets_own_counts_ask_the_engine_for_no_page_and_no_ranking(small_archive, monkeypatch):
    # Counting a facet under the other facets' filters needs neither a result nor a score. The
    # counts are the ones asserted above; this checks what the engine is asked for them.
    from haystack import connections

    engine = type(connections["default"].get_backend())
    asked = []
    search_of_engine = engine.search

    def recording(backend, query_string, **kwargs):
        asked.append(kwargs)
        return search_of_engine(backend, query_string, **kwargs)

    monkeypatch.setattr(engine, "search", recording)
    result = search("q=arrested&country=ES&organisation=anonymous")
    assert slugs(result) == {"a3"}
    page, *own_counts = asked
    assert page["end_offset"] > 0 and not page.get("sort_by")
    assert [(kwargs["start_offset"], kwargs["end_offset"]) for kwargs in own_counts] == [(0, 0), (0, 0)]
    assert all(kwargs["sort_by"] for kwargs in own_counts)
    assert sorted(name for kwargs in own_counts for name in kwargs["facets"]) == ["countries", "organisations"]


def test_a_kinds_labels_are_read_in_one_query_and_a_newer_entity_on_its_own(small_archive, django_assert_num_queries):
    """A page's labels cost one query a kind a minute, however many values it shows; an
    organisation made since (in another process: no signal here) is asked for when shown."""
    from articles.models import Organisation
    from search.facets import entity_labels, forget_labels

    forget_labels()
    with django_assert_num_queries(1):
        assert entity_labels(Organisation, "slug", ["anonymous", "interpol"]) == {"anonymous": "Anonymous", "interpol": "Interpol"}
        assert entity_labels(Organisation, "slug", ["paypal"]) == {"paypal": "PayPal"}
    Organisation.objects.bulk_create([Organisation(name="Grupo Ficticio de Prueba", slug="grupo-ficticio-de-prueba")])  # no save signal
    with django_assert_num_queries(1):
        assert entity_labels(Organisation, "slug", ["grupo-ficticio-de-prueba", "paypal"]) == {"grupo-ficticio-de-prueba": "Grupo Ficticio de Prueba", "paypal": "PayPal"}
    with django_assert_num_queries(0):
        assert entity_labels(Organisation, "slug", ["grupo-ficticio-de-prueba"]) == {"grupo-ficticio-de-prueba": "Grupo Ficticio de Prueba"}


def test_a_facets_values_are_made_when_asked_for(small_archive):
    """The top values, and the count of the others, without making every value."""
    organisation = search("").facets[2]
    assert organisation.hidden_count == 0 and "values" not in organisation.__dict__
    assert [(value.value, value.count) for value in organisation.top] == organisation.counts
    assert "values" not in organisation.__dict__
    assert [value.label for value in organisation.values][:2] == ["Anonymous", "Interpol"]
