"""The deployment path as operators run it: migrate, load, index, collectstatic, real gunicorn."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(data_dir: Path, **extra) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="newsarchive.settings",
        DATA_DIR=str(data_dir),
        SECRET_KEY="deployment-test-secret-" + "k" * 40,
        SECURE_SSL_REDIRECT="0",
        DEBUG="0",
        **extra,
    )
    return env


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read().decode()


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("deploy-data")
    env = production_env(data_dir)
    for args in (("migrate", "--noinput"), ("load_sample", "--if-empty"), ("rebuild_index", "--noinput"),
                 ("collectstatic", "--noinput")):  # fmt: skip
        completed = manage(env, *args)
        assert completed.returncode == 0, completed.stderr
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env | {"PORT": str(port), "WEB_CONCURRENCY": "2", "GUNICORN_ACCESS_LOG": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            fetch(base + "/api/search")
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=20)


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
