"""Real-browser fixtures: the sample archive served by gunicorn, Debian's Chromium driven by Playwright.

The server runs as operators run it (tests/test_deployment.py's production environment) in a temp
data dir, with its own database when ``DATABASE_URL`` points at PostgreSQL, so the browser sees
the same processes, index updates and static files as production. Chromium is Debian's
(/usr/bin/chromium, installed by .ci/system-packages); Playwright never downloads a browser.
axe-core comes from the npm registry at a pinned version, cached in pytest's cache dir.
"""

import json
import os
import secrets
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.servers import ROOT, fetch, gunicorn, manage, production_env

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# The machine's network is closed: no background connections, no component updates.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_CORE_VERSION = "4.14.1"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
EDITOR = {"username": "editor", "password": "browser-tests-" + secrets.token_hex(8)}


@contextmanager
def own_database(env: dict):
    """A fresh PostgreSQL database for the server when DATABASE_URL names one; else SQLite in DATA_DIR."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        env.pop("DATABASE_URL", None)
        yield env
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_browser_{secrets.token_hex(4)}"
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield env | {"DATABASE_URL": urlunsplit(parts._replace(path="/" + name))}
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def archive_server(tmp_path_factory):
    """Base URL of gunicorn serving the sample archive, with an index and an editor account."""
    data_dir = tmp_path_factory.mktemp("browser-data")
    with own_database(production_env(data_dir)) as env:
        env |= {"DJANGO_SUPERUSER_PASSWORD": EDITOR["password"]}
        for args in (("migrate", "--noinput"), ("load_sample",), ("rebuild_index", "--noinput"),
                     ("collectstatic", "--noinput"),
                     ("createsuperuser", "--noinput", "--username", EDITOR["username"], "--email", "e@example.org")):  # fmt: skip
            manage(env, *args, check=True)
        with gunicorn(env) as (base, _):
            yield base


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; every browser test skips where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package chromium; `make test` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def open_page(browser, base_url: str, **context_options):
    """A page in a fresh browser context (no cookies); any script error in it fails the test."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and not is_missing_favicon(message)
            and errors.append(f"{message.text} ({message.location.get('url')})"))  # fmt: skip
    yield page
    context.close()
    assert not errors, f"errors in the browser console: {errors}"


@pytest.fixture
def page(browser, archive_server):
    with open_page(browser, archive_server) as page:
        yield page


@pytest.fixture
def page_for_axe(browser, archive_server):
    """A page whose Content-Security-Policy lets Playwright inject axe-core's script."""
    with open_page(browser, archive_server, bypass_csp=True) as page:
        yield page


def is_missing_favicon(message) -> bool:
    return message.location.get("url", "").endswith("/favicon.ico")


def api(archive_server, query: str) -> dict:
    """The JSON twin of a search page, to check what the browser shows against."""
    return json.loads(fetch(f"{archive_server}/api/search?{query}")[2])


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot as a test artifact in artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture(scope="session")
def axe_script(request, tmp_path_factory) -> Path:
    """axe.min.js of the pinned axe-core, installed once with npm and kept in pytest's cache dir."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is needed to install axe-core")
    cache = getattr(request.config, "cache", None)
    prefix = cache.mkdir(f"axe-core-{AXE_CORE_VERSION}") if cache else tmp_path_factory.mktemp("axe-core")
    script = Path(prefix) / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        completed = subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save",
             f"axe-core@{AXE_CORE_VERSION}"],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert completed.returncode == 0 and script.exists(), f"npm install axe-core failed: {completed.stderr}"
    return script


def axe_serious_violations(page, axe_script: Path) -> list[str]:
    """Run axe-core in the page; describe each violation of impact serious or critical."""
    page.add_script_tag(path=str(axe_script))
    report = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']}) at "
        + "; ".join(" ".join(node["target"]) + " " + node["html"][:120] for node in violation["nodes"][:5])
        for violation in report["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
