"""The deployment path as operators run it: migrate, load, index, collectstatic, real gunicorn."""

import json
import subprocess
import sys

import pytest

from tests.servers import ROOT, fetch, gunicorn, manage, production_env


@pytest.fixture(scope="module")
def deployed_env(tmp_path_factory):
    env = production_env(tmp_path_factory.mktemp("deploy-data"))
    for args in (("migrate", "--noinput"), ("load_sample", "--if-empty"), ("rebuild_index", "--noinput"),
                 ("collectstatic", "--noinput")):  # fmt: skip
        manage(env, *args, check=True)
    return env


@pytest.fixture(scope="module")
def gunicorn_server(deployed_env):
    with gunicorn(deployed_env) as (base, _):
        yield base


# A web worker as gunicorn makes one: the WSGI app, gunicorn.conf.py's warm-up, then searches (the
# HTML page, the API, an article page with its related articles); with "extract", one re-extraction
# too, rolled back. It reports whether the entity matcher was built and which extraction modules were imported.
WORKER = """
import json, runpy, sys
from newsarchive.wsgi import application
runpy.run_path("gunicorn.conf.py")["post_worker_init"](None)
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
statuses = [client.get(path).status_code for path in ("/?q=Zetas", "/api/search?q=Zetas", "/api/search?operation=operation-cartel")]
from articles.models import Article
article = Article.objects.order_by("pk").first()
statuses.append(client.get(article.get_absolute_url()).status_code)
if sys.argv[1:] == ["extract"]:  # rolled back: the other tests of this module share the archive
    from django.db import transaction
    from articles.tagging import article_extract_tags
    with transaction.atomic():
        article_extract_tags(article)
        transaction.set_rollback(True)
from articles import tagging
from articles.extraction import stored
table_builds = sum(table.builds for table in stored.gazetteer_tables().values()) if "articles.extraction.gazetteer" in sys.modules else 0
print(json.dumps({"statuses": statuses, "matcher_built": bool(tagging._matcher_cache), "table_builds": table_builds,
                  "modules": sorted(name for name in sys.modules if name.startswith("articles.extraction."))}))
"""


def worker_run(env, *args) -> dict:
    completed = subprocess.run([sys.executable, "-c", WORKER, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_a_search_worker_never_builds_the_entity_matcher_with_the_warm_up_of_it_off(deployed_env):
    """The matcher and its gazetteers are 120 MB of a worker's PSS (docs/memory.md). With
    WARM_UP_ENTITY_MATCHER=0 only a process that extracts (a save, an import) builds them: not
    the warm-up, not a search, not an import of the modules a search uses."""
    lazy = deployed_env | {"WARM_UP_ENTITY_MATCHER": "0"}
    searching = worker_run(lazy)
    assert searching["statuses"] == [200, 200, 200, 200]
    assert not searching["matcher_built"]
    assert not {"articles.extraction.matcher", "articles.extraction.gazetteer", "articles.extraction.countries"} & set(searching["modules"])

    extracting = worker_run(lazy, "extract")  # the same probe sees a matcher when one is built
    assert extracting["matcher_built"] and "articles.extraction.gazetteer" in extracting["modules"]


def test_the_warm_up_loads_the_entity_matcher_by_default_and_builds_no_table(deployed_env):
    """By default a worker's first save does not wait for the matcher (tests/test_concurrency.py
    saved twice in 20 s during an import when each worker built it on its first save). The worker
    loads it from the extraction store, which a child process built: it builds no gazetteer table
    itself, and so never holds a build's garbage (docs/memory.md)."""
    warmed = worker_run(deployed_env)
    assert warmed["matcher_built"]
    assert warmed["table_builds"] == 0
    assert "articles.extraction.gazetteer" in warmed["modules"]


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


@pytest.mark.parametrize(
    "environment, recycled_after",
    [({"WEB_CONCURRENCY": "1"}, 0), ({"WEB_CONCURRENCY": "3"}, 2000), ({"WEB_CONCURRENCY": "1", "GUNICORN_MAX_REQUESTS": "500"}, 500)],
)
def test_a_lone_worker_is_not_replaced_after_its_requests_unless_asked(monkeypatch, environment, recycled_after):
    """Replacing a worker after ``max_requests`` keeps memory in check where other workers serve
    meanwhile; a lone worker's replacement made every request wait about a second."""
    import runpy

    for name in ("WEB_CONCURRENCY", "GUNICORN_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["max_requests"] == recycled_after


def test_startup_is_refused_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    completed = manage(env, "check")
    assert completed.returncode != 0
    assert "SECRET_KEY must be set" in completed.stderr
