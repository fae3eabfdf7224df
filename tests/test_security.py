"""Escaping with real payloads, production settings, CSP, login limits, CSRF, redirects."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import index_everything, marked
from tests.factories import ArticleFactory, OperationFactory, OrganisationFactory

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = ["<script>alert('x')</script>", '"><img src=x onerror=alert(1)>']


@pytest.fixture
def hostile_archive(db, search_index):
    organisation = OrganisationFactory(name=f"Evil {PAYLOADS[1]} Corp")
    operation = OperationFactory(name=f"Operation {PAYLOADS[0]}")
    article = ArticleFactory(
        slug="hostile",
        title=f"Hackers {PAYLOADS[0]}",
        body=f"The hackers wrote {PAYLOADS[0]} and {PAYLOADS[1]} on the page.",
        byline=PAYLOADS[1],
        source=PAYLOADS[0],
        organisations=[organisation],
        operations=[operation],
    )
    index_everything()
    return article, organisation, operation


def assert_escaped(html: str):
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html or "&lt;img" in html


def test_payloads_are_escaped_on_every_page(client, hostile_archive):
    article, organisation, operation = hostile_archive
    for url in ("/", "/?q=hackers", f"/?organisation={organisation.slug}&operation={operation.slug}", "/articles/hostile/"):
        assert_escaped(client.get(url).content.decode())


def test_payloads_are_escaped_in_the_admin(client, hostile_archive):
    article, organisation, _ = hostile_archive
    client.force_login(get_user_model().objects.create_superuser("admin", "a@example.org", "pw-long-enough-1"))
    for url in (
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/articles/organisation/",
        f"/admin/articles/organisation/{organisation.pk}/change/",
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url


def test_the_api_snippet_is_escaped_html(client, hostile_archive):
    data = client.get("/api/search", {"q": "hackers"}).json()
    snippet = data["results"][0]["snippet"]
    assert marked("hackers") in snippet and "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_pages_carry_a_content_security_policy(client, hostile_archive):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="newsarchive.settings", SECRET_KEY=os.urandom(40).hex(), ALLOWED_HOSTS="news.example.org")
    env.update(extra)
    return env


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    completed = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(DATA_DIR=str(tmp_path)), capture_output=True, text=True,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "no issues" in completed.stdout


def test_https_is_enforced_when_debug_is_off(tmp_path):
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/', HTTP_HOST='news.example.org'); print(r.status_code, r['Location'])"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=production_env(DATA_DIR=str(tmp_path)), capture_output=True, text=True
    )
    assert completed.stdout.split() == ["301", "https://news.example.org/"], completed.stderr


def test_admin_login_is_locked_after_repeated_failures(db):
    get_user_model().objects.create_superuser("admin", "a@example.org", "the-right-password-1")
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post("/admin/login/", {"username": "admin", "password": "the-right-password-1"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_writes_need_a_csrf_token(db):
    user = get_user_model().objects.create_superuser("admin", "a@example.org", "the-right-password-1")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/admin/articles/organisation/add/", {"name": "Sneaky", "slug": "sneaky"})
    assert response.status_code == 403


def test_login_does_not_redirect_off_site(db):
    get_user_model().objects.create_superuser("admin", "a@example.org", "the-right-password-1")
    response = Client().post(
        "/admin/login/?next=https://evil.example/",
        {"username": "admin", "password": "the-right-password-1", "next": "https://evil.example/"},
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302 and not response["Location"].startswith("https://evil.example")
