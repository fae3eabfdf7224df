"""The deployment path as operators run it: migrate, load, index, collectstatic, real gunicorn."""

import json

import pytest

from tests.servers import fetch, gunicorn, manage, production_env


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    env = production_env(tmp_path_factory.mktemp("deploy-data"))
    for args in (("migrate", "--noinput"), ("load_sample", "--if-empty"), ("rebuild_index", "--noinput"),
                 ("collectstatic", "--noinput")):  # fmt: skip
        manage(env, *args, check=True)
    with gunicorn(env) as (base, _):
        yield base


def test_search_page_is_served_by_gunicorn_with_debug_off(gunicorn_server):
    status, headers, html = fetch(gunicorn_server + "/?q=Zetas")
    assert status == 200
    assert "Zetas" in html and "<mark>" in html
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_are_served_by_whitenoise(gunicorn_server):
    _, _, html = fetch(gunicorn_server + "/")
    stylesheet = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    status, headers, css = fetch(gunicorn_server + stylesheet)
    assert status == 200 and headers["Content-Type"].startswith("text/css") and "mark" in css
    _, _, admin_html = fetch(gunicorn_server + "/admin/login/")
    admin_css = admin_html.split('href="', 1)[1].split('"', 1)[0]
    assert fetch(gunicorn_server + admin_css)[0] == 200


def test_json_api_is_served(gunicorn_server):
    _, headers, body = fetch(gunicorn_server + "/api/search?operation=operation-cartel")
    data = json.loads(body)
    assert headers["Content-Type"] == "application/json"
    assert data["total"] >= 2 and all("operation-cartel" in r["operations"] for r in data["results"])


def test_startup_is_refused_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    completed = manage(env, "check")
    assert completed.returncode != 0
    assert "SECRET_KEY must be set" in completed.stderr
