"""HTTP as the site means it: long addresses, other methods, future dates.

Lengths are tested through real gunicorn with gunicorn.conf.py, since its limits decide what the
site ever sees; methods through Django's client with CSRF checks on, as a browser would meet them.
"""

import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from django.test import Client

from tests.conftest import index_everything
from tests.factories import ArticleFactory
from tests.servers import gunicorn, manage, production_env

READ_ONLY_PATHS = [
    "/",
    "/?q=zetas",
    "/api/search?q=zetas",
    "/search.atom",
    "/search.csv",
    "/opensearch.xml",
    "/api/suggest?q=ze",
    "/articles/zetas-story/",
    "/countries/MX/",
    "/healthz",
]
REFUSED_METHODS = ["POST", "PUT", "PATCH", "DELETE", "TRACE"]
ALLOW = "GET, HEAD, OPTIONS"


@pytest.fixture
def archive(db, search_index):
    ArticleFactory(slug="zetas-story", title="The Zetas were warned", countries=["MX"])
    index_everything()


@pytest.fixture
def searches(monkeypatch):
    """Records every search the views run."""
    from search import views

    ran = []
    original = views.run_search
    monkeypatch.setattr(views, "run_search", lambda params: ran.append(params) or original(params))
    return ran


@pytest.mark.parametrize("path", READ_ONLY_PATHS)
def test_a_read_only_page_answers_get_and_head(archive, client, path):
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200


@pytest.mark.parametrize("path", READ_ONLY_PATHS)
def test_options_says_what_is_allowed_without_searching(archive, searches, path):
    response = Client(enforce_csrf_checks=True).options(path)
    assert response.status_code == 204 and response["Allow"] == ALLOW
    assert response.content == b"" and searches == []


@pytest.mark.parametrize("method", REFUSED_METHODS)
@pytest.mark.parametrize("path", READ_ONLY_PATHS)
def test_other_methods_are_not_allowed_and_never_search(archive, searches, path, method):
    response = Client(enforce_csrf_checks=True).generic(method, path, data="q=zetas", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 405 and response["Allow"] == ALLOW
    assert searches == []


def test_a_method_refused_on_the_api_is_explained_in_json(archive):
    response = Client(enforce_csrf_checks=True).delete("/api/search?q=zetas")
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"


def test_a_method_refused_on_a_page_is_explained_on_a_page(archive):
    response = Client(enforce_csrf_checks=True).put("/")
    assert response.status_code == 405 and "Method not allowed" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_the_admin_still_takes_posts(db):
    response = Client().post("/admin/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200  # the login form again, with its error


# Through gunicorn ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """gunicorn, configured by gunicorn.conf.py, serving an empty archive."""
    env = production_env(tmp_path_factory.mktemp("http-edges-data"))
    for args in (("migrate", "--noinput"), ("collectstatic", "--noinput")):
        manage(env, *args, check=True)
    with gunicorn(env, workers=1) as (base, _):
        yield base


def send(url: str, method: str = "GET", headers: dict | None = None):
    """(status, headers, body) of a request, whatever its status."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def query_of_bytes(size: int) -> str:
    """``q=`` and accented letters, ``size`` bytes as sent (each "é" is %C3%A9, 6 bytes)."""
    letters, rest = divmod(size - 2, 6)
    return "q=" + quote("é" * letters) + "x" * rest


def test_a_non_ascii_query_of_6_kb_is_searched_with_a_notice_that_it_was_cut(served):
    status, _, body = send(served + "/api/search?" + query_of_bytes(6002))
    assert status == 200
    data = json.loads(body)
    assert data["query"] == "é" * 500
    assert any("longer than 500 characters" in notice for notice in data["notices"])


@pytest.mark.parametrize("path", ["/api/search", "/"])
def test_the_longest_query_string_the_site_reads_is_answered(served, path):
    status, _, _ = send(f"{served}{path}?{query_of_bytes(8192)}")
    assert status == 200


@pytest.mark.parametrize("size", [8193, 20_000])
def test_a_longer_query_string_gets_the_sites_own_414_in_json_on_the_api(served, size):
    status, headers, body = send(f"{served}/api/search?{query_of_bytes(size)}")
    assert status == 414 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"] == "uri_too_long" and len(body) < 300


@pytest.mark.parametrize("size", [8193, 20_000])
def test_a_longer_query_string_gets_the_sites_own_414_page(served, size):
    status, headers, body = send(f"{served}/?{query_of_bytes(size)}")
    assert status == 414 and headers["Content-Type"].startswith("text/html")
    assert "Address too long" in body and "8,192" in body and 'href="/"' in body


def test_a_referer_as_long_as_the_longest_search_address_is_read(served):
    referer = f"{served}/?{query_of_bytes(8192)}"
    status, _, _ = send(served + "/api/search?q=zetas", headers={"Referer": referer})
    assert status == 200


@pytest.mark.parametrize("method", ["TRACE", "DELETE"])
def test_gunicorn_passes_other_methods_to_the_sites_405(served, method):
    status, headers, _ = send(served + "/api/search?q=zetas", method=method)
    assert status == 405 and headers["Allow"] == ALLOW


def test_gunicorn_passes_options_to_the_site(served):
    status, headers, body = send(served + "/?q=zetas", method="OPTIONS")
    assert status == 204 and headers["Allow"] == ALLOW and body == ""
