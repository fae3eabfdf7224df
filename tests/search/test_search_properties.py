"""Property-based: any parameters give a well-formed answer whose facet counts fit its results."""

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = ["q", "country", "organisation", "operation", "from", "to", "sort", "facet", "page"]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["MX", "us", "ZZ", "anonymous", "interpol", "operation-cartel", "2011", "2012-02", "2012-02-30",
                     "newest", "oldest", "relevance", "date", "Country", "0", "-1", "2", "1000000000", "abc", "*", "a*", '"', "(", "AND",
                     "cartel", "Mexico", "México", "countries:mx", "[a TO]", "\x00", "😀", "نفط"]),
)  # fmt: skip
PARAMETERS = st.lists(st.tuples(st.one_of(st.sampled_from(NAMES), st.text(max_size=10)), VALUES), max_size=12)
RAW_QUERIES = st.text(alphabet=st.sampled_from(list("q=&%ZZ2F0+;country#MX?é")), max_size=40)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check_consistent(data, date_filtered: bool):
    assert 0 <= len(data["results"]) <= 20
    assert data["page"] <= max(data["pages"], 1)
    if data["page"] < data["pages"]:
        assert len(data["results"]) == 20
    facets = data["facets"]
    date_values = facets["date"]
    if not date_filtered and date_values and len(date_values[0]["value"]) == 4:
        # Without a date filter, the years partition the results: one date per article.
        assert sum(value["count"] for value in date_values) == data["total"]
    for name in ("country", "organisation", "operation"):
        if not any(value["selected"] for value in facets[name]):
            assert all(0 < value["count"] <= data["total"] for value in facets[name])
    for result in data["results"]:
        assert result["url"].startswith("http://testserver/articles/")


@SETTINGS
@given(PARAMETERS)
def test_any_parameters_give_a_consistent_json_answer(client, small_archive, pairs):
    response = client.get("/api/search?" + urlencode(pairs))
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        check_consistent(response.json(), date_filtered=any(name in ("from", "to") for name, _ in pairs))


@SETTINGS
@given(PARAMETERS)
def test_any_parameters_give_a_page(client, small_archive, pairs):
    response = client.get("/?" + urlencode(pairs))
    assert response.status_code in (200, 400)
    assert b"</html>" in response.content


@SETTINGS
@given(RAW_QUERIES)
def test_raw_and_badly_encoded_query_strings(client, small_archive, raw):
    for path in ("/", "/api/search"):
        assert client.get(path + "?" + raw).status_code in (200, 400)
