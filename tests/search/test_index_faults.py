"""A missing, emptied, unreadable or corrupted index: search says 503, the rest keeps working."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from search.consistency import index_check
from search.engine.generations import IndexFolder
from search.indexing import search_backend
from tests.factories import ArticleFactory

ROOT = Path(__file__).resolve().parents[2]



def live_folder(index_path: Path) -> Path:
    """The folder of the live index generation (``current`` names it)."""
    return index_path / os.readlink(index_path / "current")


def assert_search_unavailable(client):
    page = client.get("/")
    assert page.status_code == 503 and b"Search is unavailable" in page.content
    api = client.get("/api/search", {"q": "hackers"})
    assert api.status_code == 503 and api.json()["error"] == "search_unavailable"
    assert client.get("/healthz").status_code == 503
    # Article pages and the admin do not need the index.
    assert client.get("/articles/story-0/").status_code == 200
    client.force_login(_editor())
    assert client.get("/admin/articles/article/").status_code == 200


def _editor():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="editor", defaults={"is_staff": True, "is_superuser": True})
    return user


@pytest.mark.archive_engine  # stock Whoosh keeps its index object: a folder removed under it is a 500
def test_a_missing_index_directory(client, indexed):
    shutil.rmtree(indexed)
    assert_search_unavailable(client)
    call_command("rebuild_index", "--noinput", verbosity=0)
    assert client.get("/api/search", {"q": "hackers"}).json()["total"] == 3


@pytest.mark.archive_engine  # its generation folders
def test_an_emptied_index_directory(client, indexed):
    for path in live_folder(indexed).iterdir():
        path.unlink()
    assert_search_unavailable(client)
    call_command("rebuild_index", "--noinput", verbosity=0)
    assert client.get("/healthz").json()["indexed_documents"] == 3


@pytest.mark.archive_engine  # its generation folders
def test_a_corrupted_index(client, indexed):
    search_backend().forget_snapshot()
    for path in live_folder(indexed).iterdir():
        if path.suffix in (".toc", ".seg", ".trm", ".pst", ".fln"):
            path.write_bytes(os.urandom(max(64, path.stat().st_size)))
    assert_search_unavailable(client)
    shutil.rmtree(indexed)
    call_command("rebuild_index", "--noinput", verbosity=0)
    assert client.get("/api/search", {"q": "hackers"}).json()["total"] == 3


@pytest.mark.archive_engine  # its generation folders
def test_an_unreadable_index(client, indexed, monkeypatch):
    from whoosh.filedb.filestore import FileStorage

    def refuse(self, name, *args, **kwargs):
        raise PermissionError(13, "Permission denied", name)

    search_backend().forget_snapshot()
    monkeypatch.setattr(FileStorage, "open_file", refuse)
    monkeypatch.setattr(FileStorage, "map_file", refuse, raising=False)
    assert_search_unavailable(client)


@pytest.mark.archive_engine  # its spelling suggestion, made when a page asks for it
def test_an_index_that_fails_while_suggesting_a_spelling(client, indexed, monkeypatch):
    """A search that finds nothing asks for "Did you mean" after its results: an index failing
    then is a 503 too, and the next search opens the index afresh."""
    backend = search_backend()

    def fail(self, *args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(type(backend), "create_spelling_suggestion", fail)
    page = client.get("/", {"q": "hackerz"})
    assert page.status_code == 503 and b"Search is unavailable" in page.content
    monkeypatch.undo()
    assert client.get("/api/search", {"q": "hackers"}).json()["total"] == 3


def test_an_index_failure_never_loses_an_editors_save(client, indexed):
    shutil.rmtree(indexed)
    os.makedirs(indexed)
    (indexed / "_MAIN_1.toc").write_bytes(b"garbage")
    article = Article.objects.get(slug="story-1")
    article.title = "Edited while the index was broken"
    article.save()  # the index update fails after commit and is logged; the edit stands
    assert Article.objects.get(slug="story-1").title == "Edited while the index was broken"


def test_check_index_reports_and_repairs(indexed):
    report = index_check()
    assert report.consistent and report.articles == report.indexed == 3
    from search.signals import index_updates_paused

    with index_updates_paused():
        Article.objects.filter(slug="story-0").update(title="Changed behind the index's back")
        Article.objects.get(slug="story-2").delete()
        ArticleFactory(slug="story-new", title="Never indexed")
    report = index_check()
    assert len(report.stale) == 1 and len(report.missing) == 1 and len(report.orphaned) == 1
    with pytest.raises(CommandError):
        call_command("check_index", verbosity=0)
    call_command("check_index", "--repair", verbosity=0)
    assert index_check().consistent


@pytest.mark.archive_engine  # its generation folders
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_while_indexing_leaves_an_index_that_opens_and_repairs(tmp_path, search_index):
    """Kill an import with SIGKILL in the middle of writing, then open the index and repair it."""
    corpus = tmp_path / "many.jsonl"
    corpus.write_text(
        "\n".join(
            '{"title": "Report %d on the hackers", "body": "%s", "published_at": "2011-05-%02d"}'
            % (n, "word " * 300, n % 28 + 1)
            for n in range(4000)
        )
    )
    from django.conf import settings

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings", SEARCH_URL=f"whoosh://{search_index}")
    env["DATABASE_URL"] = _database_url(settings)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_articles", str(corpus), "--batch-size", "400"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(search_index.glob("staging-*")):  # its processes write beside the live index
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    time.sleep(1.5)
    helpers = children_of(process.pid)  # its writing processes and the one preparing batches ahead
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while [pid for pid in helpers if os.path.exists(f"/proc/{pid}")]:
        # One left alive would hold the import's database connection open (and its transaction,
        # on PostgreSQL, with every later TRUNCATE waiting on it).
        assert time.monotonic() < deadline, "a helper process outlived the killed import"
        time.sleep(0.05)
    assert len(helpers) >= 2
    assert Article.objects.count() < 4000, "the import finished before it was killed"
    search_backend().forget_snapshot()
    report = index_check()  # the index opens
    call_command("check_index", "--repair", verbosity=0)
    assert index_check().consistent
    assert report.articles == Article.objects.count() > 0
    IndexFolder(str(search_index)).remove_unused()  # as the next rebuild, import or worker's switch does
    assert not list(search_index.glob("staging-*"))  # the killed import's, which nobody holds now


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _database_url(settings) -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"  # the test database: tests/settings.py makes it a file
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )
