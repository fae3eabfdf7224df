"""rebuild_index never takes search offline: the new index is built beside the live one and
switched to when complete and checked, writes made meanwhile reach it, a killed rebuild leaves the
live index serving, an index of another schema version is refused, and old generations go."""

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from whoosh.filedb.filestore import FileStorage
from whoosh.index import create_in

from articles.importing.records import ArticleRecord
from articles.importing.service import articles_import
from articles.models import Article
from search import signals
from search.consistency import index_check
from search.engine import generations
from search.engine import rebuild as rebuild_module
from search.engine.generations import IndexFolder, RebuildRunning
from search.engine.interface import SearchUnavailable
from search.indexing import reindex_articles, search_backend, search_maintenance
from search.models import PendingIndexUpdate
from search.signals import index_updates_paused
from tests.factories import ArticleFactory
from tests.search.conftest import index_stories
from tests.servers import ROOT

from .helpers import search, slugs
from .test_index_faults import _database_url

pytestmark = pytest.mark.archive_engine  # generations, rebuild aside and schema versions are our engine's

# Saves index after the transaction commits: tests that save during a rebuild need real commits.
# serialized_rollback restores the countries that a data migration created.
committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ARTICLES_TO_KILL_A_REBUILD_AMONG = 1200  # its batches take a few seconds: time to kill it among them


def live_name(index_path: Path) -> str:
    return os.readlink(index_path / "current")


def generation_folders(index_path: Path) -> set[str]:
    return {path.name for path in index_path.iterdir() if path.name.startswith("g-") and path.is_dir()}


def new_empty_generation(index_path: Path, schema_version: str | None = None) -> str:
    """An empty generation beside the live one, not switched to, as another process's rebuild makes."""
    backend = search_backend()
    name = IndexFolder(str(index_path)).new_generation(schema_version or backend.schema_version)
    FileStorage(str(index_path / name)).create_index(backend.schema)
    return name


def rebuild(progress=None, batch_size: int = 2) -> dict:
    return search_maintenance().rebuild(batch_size=batch_size, progress=progress)


def totals() -> tuple[int, int]:
    """What a reader sees: the whole archive browsed, and a word search."""
    return search("").total, search("q=hackers").total


@pytest.fixture
def archive(db, search_index):
    """Six indexed articles about hackers."""
    index_stories(6)
    return search_index


@pytest.fixture
def committed_archive(search_index):
    """Six indexed articles about hackers, in a database whose saves commit (and so index)."""
    for n in range(6):
        ArticleFactory(slug=f"story-{n}", title=f"Story {n} about hackers")
    assert totals() == (6, 6)
    return search_index


# Readers during and after a rebuild -----------------------------------------------------------


def test_searches_answer_from_the_live_generation_until_the_switch(client, archive):
    old = live_name(archive)
    with index_updates_paused():  # in the database only: the live index does not have them
        ArticleFactory(slug="story-new-1", title="Unindexed story about hackers")
        ArticleFactory(slug="story-new-2", title="Another unindexed story about hackers")
    seen = []

    def progress(label, done, total):
        api = client.get("/api/search", {"q": "hackers"})
        seen.append((search_maintenance().status()["generation"], totals(), api.status_code, api.json()["total"]))

    report = rebuild(progress)

    assert len(seen) == 4  # 8 articles, 2 a batch: readers searched between every batch
    assert seen == [(old, (6, 6), 200, 6)] * 4  # the old generation, whole, never the half-built one
    assert report["generation"] != old and report["documents"] == 8
    assert live_name(archive) == report["generation"] == search_maintenance().status()["generation"]
    assert totals() == (8, 8)
    assert client.get("/api/search", {"q": "hackers"}).json()["total"] == 8
    assert generation_folders(archive) == {report["generation"]}  # nobody reads the old one


def save_edit_delete_and_import() -> dict:
    """An editor's new article, an edit and a deletion of articles the rebuild's first batch has
    written already, and an import of three, each committed and indexed in the live index."""
    first, second = Article.objects.order_by("pk")[:2]
    ArticleFactory(slug="saved-meanwhile", title="Saved during the rebuild about quokkas")
    first.title = "Corrected headline about wombats"
    first.save()
    second.delete()
    records = [
        ArticleRecord(title=f"Imported wire {n} about pangolins", body="Smugglers arrested.", location=f"wire:{n}",
                      published_at=datetime(2012, 5, n + 1, tzinfo=timezone.utc))
        for n in range(3)
    ]  # fmt: skip
    assert articles_import(records, batch_size=2).created == 3
    assert search("q=quokkas").total == search("q=wombats").total == 1 and search("q=pangolins").total == 3
    return {"edited": first.slug, "deleted": second.slug}


def assert_the_writes_are_in_the_new_index(report, writes):
    assert report["replayed"] >= 6  # the save, the edit, the deletion and the three imported
    assert search("").total == Article.objects.count() == 6 - 1 + 1 + 3
    assert slugs(search("q=quokkas")) == {"saved-meanwhile"}
    assert slugs(search("q=wombats")) == {writes["edited"]}
    assert search("q=pangolins").total == 3
    assert slugs(search("q=hackers")) == {f"story-{n}" for n in range(2, 6)}  # not the edited, not the deleted
    assert index_check().consistent  # every article as the database has it, and nothing else


@committing
def test_saves_edits_deletions_and_an_import_between_batches_reach_the_new_index(committed_archive):
    writes = {}

    def write_after_the_first_batch(label, done, total):
        if not writes:
            writes.update(save_edit_delete_and_import())

    report = rebuild(write_after_the_first_batch)
    assert_the_writes_are_in_the_new_index(report, writes)


@committing
def test_saves_edits_deletions_and_an_import_after_the_last_batch_reach_the_new_index(committed_archive, monkeypatch):
    """Written after the rebuild has read the database for the last time: only its journal has them."""
    original_replay = rebuild_module.replay
    writes = {}

    def write_before_the_first_replay(*args, **kwargs):
        if not writes:
            writes.update(save_edit_delete_and_import())
        return original_replay(*args, **kwargs)

    monkeypatch.setattr(rebuild_module, "replay", write_before_the_first_replay)
    report = rebuild()
    assert_the_writes_are_in_the_new_index(report, writes)


def at_the_switch(monkeypatch, during) -> None:
    """Run ``during()`` while the rebuild holds the live index's write lock for its last replay,
    then let it check and switch."""
    original_check = rebuild_module.check

    def check_after(index, present):
        during()
        return original_check(index, present)

    monkeypatch.setattr(rebuild_module, "check", check_after)


def subprocess_env(index_path: Path) -> dict:
    """A manage.py of this test's settings, database and index, as another worker would run."""
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.settings",
        SEARCH_URL=f"whoosh://{index_path}",
        DATABASE_URL=_database_url(settings),
    )


@committing
def test_a_save_in_another_worker_waits_for_the_switch_and_reaches_the_new_generation(committed_archive, monkeypatch):
    editor = {}
    save = (
        "import time; from tests.factories import ArticleFactory; started = time.monotonic(); "
        "ArticleFactory(slug='saved-at-the-switch', title='Saved while the rebuild switched about narwhals'); "
        "print(time.monotonic() - started)"
    )

    def start_a_save_in_another_process():
        editor["process"] = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", save],
            cwd=ROOT, env=subprocess_env(committed_archive), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not Article.objects.filter(slug="saved-at-the-switch").exists():  # committed; now it indexes
            assert time.monotonic() < deadline and editor["process"].poll() is None, editor["process"].communicate()
            time.sleep(0.05)
        time.sleep(1.0)  # it waits for the lock we hold

    at_the_switch(monkeypatch, start_a_save_in_another_process)
    report = rebuild()
    out, err = editor["process"].communicate(timeout=60)

    assert editor["process"].returncode == 0, err
    assert float(out.split()[-1]) > 0.5, "the save did not wait for the switch"
    assert live_name(committed_archive) == report["generation"]
    assert not PendingIndexUpdate.objects.exists()  # written, not owed
    assert slugs(search("q=narwhals")) == {"saved-at-the-switch"}
    assert index_check().consistent


@committing
def test_a_save_that_gives_up_waiting_for_the_switch_is_owed_then_indexed(committed_archive, monkeypatch):
    monkeypatch.setattr(signals, "EDITOR_LOCK_WAIT", 0.05)
    editor = {}

    def save_in_a_thread():
        def save_article():
            ArticleFactory(slug="saved-at-the-switch", title="Saved while the rebuild switched about narwhals")
            from django.db import connection

            connection.close()

        editor["thread"] = threading.Thread(target=save_article)
        editor["thread"].start()
        editor["thread"].join(timeout=30)
        editor["owed"] = list(PendingIndexUpdate.objects.values_list("article_id", flat=True))

    # The editor's worker reads the old generation until its next request (here the rebuild's own
    # process: its hold stands for the worker's, which the rebuild would not release).
    old = committed_archive / live_name(committed_archive)
    with open(old / "readers.lock", "a") as workers_hold:
        fcntl.flock(workers_hold, fcntl.LOCK_SH)
        at_the_switch(monkeypatch, save_in_a_thread)
        rebuild()
        assert editor["owed"] == [Article.objects.get(slug="saved-at-the-switch").pk]
        assert signals.finish_catch_up(timeout=20)  # the catch-up thread indexes what was owed
    assert not PendingIndexUpdate.objects.exists()
    assert slugs(search("q=narwhals")) == {"saved-at-the-switch"}
    assert index_check().consistent


def test_a_writer_waiting_for_a_generation_that_is_removed_meanwhile_writes_to_the_new_one(archive):
    """A background writer (the catch-up thread) holds no generation: one removed while it waits for
    its lock must send it to the new generation, as a switch does, not fail."""
    backend = search_backend()
    old = live_name(archive)
    lock = backend.snapshot().index.lock("WRITELOCK")
    assert lock.acquire()
    outcome = []

    def write():
        try:
            with backend.writes_open_their_own_readers():
                backend.write(identifiers_to_remove=["articles.article.1"])
            outcome.append("written")
        except Exception as error:  # noqa: BLE001 - what the writer met is the outcome
            outcome.append(repr(error))

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.3)  # it waits for the lock
    folder = IndexFolder(str(archive))
    new = new_empty_generation(archive)
    folder.switch_to(new)
    backend.forget_snapshot()  # no one reads the old one any more
    assert folder.remove_unused() == [old]
    lock.release()
    writer.join(timeout=10)
    assert outcome == ["written"]


def test_a_worker_opening_the_generation_that_a_switch_removes_meanwhile_opens_the_new_one(archive, monkeypatch):
    """A worker starting (gunicorn recycles them) reads ``current`` just before a switch, and the old
    generation is removed before it holds it: it must open the new one, not answer 503."""
    backend = search_backend()
    backend.forget_snapshot()  # a worker that has not opened the index yet
    folder = IndexFolder(str(archive))
    old = live_name(archive)
    new = new_empty_generation(archive)
    original_hold = IndexFolder.hold

    def switch_and_remove_then_hold(self, name):
        if name == old:  # a rebuild in another process switches and removes the old one now
            folder.switch_to(new)
            assert folder.remove_unused() == [old]
        return original_hold(self, name)

    monkeypatch.setattr(IndexFolder, "hold", switch_and_remove_then_hold)
    assert backend.snapshot().name == new


# One rebuild at a time, and a rebuild interrupted ------------------------------------------------


def test_a_second_rebuild_while_one_runs_is_refused_and_the_live_index_is_untouched(archive):
    old = live_name(archive)
    refused = []

    def start_another(label, done, total):
        if refused:
            return
        with pytest.raises(RebuildRunning):
            rebuild()
        with pytest.raises(RebuildRunning):
            call_command("rebuild_index", "--noinput", verbosity=0)
        refused.append((live_name(archive), totals(), search_maintenance().status()["rebuilding"]))
        assert (archive / "rebuild.target").exists()  # the refused one did not clear the running one's state

    report = rebuild(start_another)

    assert refused == [(old, (6, 6), True)]
    assert live_name(archive) == report["generation"] and totals() == (6, 6)
    assert generation_folders(archive) == {report["generation"]}
    assert not search_maintenance().status()["rebuilding"]


def test_a_failed_check_leaves_the_live_generation_serving(archive, monkeypatch):
    old = live_name(archive)
    original_check = rebuild_module.check
    monkeypatch.setattr(rebuild_module, "check", lambda index, present: original_check(index, present | {"x.y.1"}))
    with pytest.raises(rebuild_module.RebuildCheckFailed):
        rebuild()
    assert live_name(archive) == old and totals() == (6, 6)
    assert generation_folders(archive) == {old}
    assert not list(archive.glob("*.journal")) and not (archive / "rebuild.target").exists()


def test_a_rebuild_interrupted_right_after_the_switch_keeps_the_new_generation(archive, monkeypatch):
    """Ctrl-C (KeyboardInterrupt) can arrive after the rename: the generation it made live must stay."""
    original_switch = IndexFolder.switch_to

    def switch_then_interrupt(self, name):
        original_switch(self, name)
        raise KeyboardInterrupt

    monkeypatch.setattr(IndexFolder, "switch_to", switch_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        rebuild()
    assert (archive / live_name(archive)).is_dir()
    search_backend().forget_snapshot()
    assert totals() == (6, 6)
    assert not list(archive.glob("*.journal")) and not (archive / "rebuild.target").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_rebuild_leaves_the_live_index_serving_and_the_next_one_cleans_up(search_index):
    """SIGKILL ``rebuild_index`` while it writes the new generation, then search and rebuild again."""
    body = " ".join(f"word{n % 97} hackers" for n in range(30))
    with index_updates_paused():
        Article.objects.bulk_create(
            Article(title=f"Report {n} on the hackers", slug=f"report-{n}", body=body,
                    published_at=datetime(2011, 5, n % 28 + 1, tzinfo=timezone.utc))
            for n in range(ARTICLES_TO_KILL_A_REBUILD_AMONG)
        )  # fmt: skip
    call_command("rebuild_index", "--noinput", verbosity=0)
    live = live_name(search_index)
    assert totals() == (ARTICLES_TO_KILL_A_REBUILD_AMONG,) * 2

    process = subprocess.Popen(
        [sys.executable, "manage.py", "rebuild_index", "--noinput", "--batch-size", "50"],
        cwd=ROOT, env=subprocess_env(search_index), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    target = None
    deadline = time.monotonic() + 60
    # The new generation's writer is open (its postings file exists) and writing.
    while target is None or not any((search_index / target).glob("*.pst")):
        assert process.poll() is None, "the rebuild ended before it was killed"
        assert time.monotonic() < deadline, "the rebuild never started writing"
        target = IndexFolder(str(search_index)).rebuild_target()
        time.sleep(0.02)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()

    assert process.returncode == -signal.SIGKILL
    assert live_name(search_index) == live and (search_index / target).is_dir(), "killed before its switch"
    assert (search_index / f"{target}.journal").exists()
    search_backend().forget_snapshot()  # as a worker started after the kill would
    assert totals() == (ARTICLES_TO_KILL_A_REBUILD_AMONG,) * 2
    assert not search_maintenance().status()["rebuilding"]

    report = rebuild(batch_size=1000)
    assert report["documents"] == ARTICLES_TO_KILL_A_REBUILD_AMONG
    assert totals() == (ARTICLES_TO_KILL_A_REBUILD_AMONG,) * 2
    assert generation_folders(search_index) == {report["generation"]}  # the killed one's folder is gone
    assert not list(search_index.glob("*.journal")) and not (search_index / "rebuild.target").exists()


def test_a_rebuild_killed_after_its_switch_serves_the_new_generation_and_the_next_one_clears_up(archive):
    """Killed between the rename and its cleanup, a rebuild leaves its journal and its target's name."""
    current = live_name(archive)
    journal = archive / f"{current}.journal"
    journal.write_text("articles.article.1\n")
    (archive / "rebuild.target").write_text(current)

    assert totals() == (6, 6) and not search_maintenance().status()["rebuilding"]
    reindex_articles(Article.objects.values_list("pk", flat=True))  # writers journal for no dead rebuild
    assert journal.read_text() == "articles.article.1\n"

    report = rebuild()
    assert generation_folders(archive) == {report["generation"]} and totals() == (6, 6)
    assert not list(archive.glob("*.journal")) and not (archive / "rebuild.target").exists()


def test_a_worker_cleaning_up_while_the_rebuild_creates_its_folder_leaves_that_folder(archive, monkeypatch):
    """Workers remove unused generations whenever they move to a new one; the folder a rebuild has
    just created, not yet written, is not unused."""
    original_new_generation = IndexFolder.new_generation

    def new_generation_then_a_workers_cleanup(self, *args, **kwargs):
        name = original_new_generation(self, *args, **kwargs)
        IndexFolder(self.path).remove_unused()
        return name

    monkeypatch.setattr(IndexFolder, "new_generation", new_generation_then_a_workers_cleanup)
    report = rebuild()
    assert live_name(archive) == report["generation"] and totals() == (6, 6)


def test_workers_removing_the_same_old_generation_at_once_do_not_fail(archive, monkeypatch):
    """Another worker may remove a folder or a journal between this one's listing and its removal."""
    listdir, isdir = os.listdir, os.path.isdir
    gone = {"g-1-1", "g-1-1.journal"}  # listed, then removed by the other worker
    folder = IndexFolder(str(archive))
    with monkeypatch.context() as patch:
        patch.setattr(generations.os, "listdir", lambda path: [*listdir(path), *gone])
        patch.setattr(generations.os.path, "isdir", lambda path: os.path.basename(path) in gone or isdir(path))
        assert folder.remove_unused() == []
    assert totals() == (6, 6)


# Schema versions and indexes from before generations -------------------------------------------


def assert_unavailable_saying_rebuild(client):
    page = client.get("/")
    assert page.status_code == 503 and b"rebuild_index" in page.content
    api = client.get("/api/search", {"q": "hackers"})
    assert api.status_code == 503 and "rebuild_index" in api.json()["message"]
    health = client.get("/healthz")
    assert health.status_code == 503
    return health.json()["index"]


def test_an_index_of_another_schema_version_is_refused_until_rebuilt(client, archive):
    (archive / live_name(archive) / "schema_version").write_text("0123456789abcdef")
    search_backend().forget_snapshot()  # as a worker of the new code starts

    message = assert_unavailable_saying_rebuild(client)
    assert "schema version 0123456789abcdef" in message and "run rebuild_index" in message

    call_command("rebuild_index", "--noinput", verbosity=0)
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/search", {"q": "hackers"}).json()["total"] == 6
    assert (archive / live_name(archive) / "schema_version").read_text() == search_backend().schema_version


def test_an_index_from_before_generations_is_refused_then_replaced(client, db, search_index):
    for n in range(3):
        ArticleFactory(slug=f"story-{n}", title=f"Story {n} about hackers")
    backend = search_backend()
    backend.setup()
    search_index.mkdir()
    legacy = create_in(str(search_index), backend.schema)
    for n, compound in enumerate((True, False)):  # a compound segment file, and one file per part
        writer = legacy.writer(compound=compound)
        writer.add_document(id=f"articles.article.{n}", django_ct="articles.article", django_id=str(n), text="hackers")
        writer.commit(merge=False)
    legacy_files = {path.name for path in search_index.iterdir()}
    assert any(name.endswith(".toc") for name in legacy_files)

    message = assert_unavailable_saying_rebuild(client)
    assert "predates index generations" in message
    assert not (search_index / "current").exists()  # refusing it does not write over it

    call_command("rebuild_index", "--noinput", verbosity=0)
    assert client.get("/api/search", {"q": "hackers"}).json()["total"] == 3
    assert {path.name for path in search_index.iterdir()} & legacy_files == set()  # the old files are gone
    assert {path.name for path in search_index.iterdir()} <= {"current", "rebuild.lock", live_name(search_index)}


def test_a_write_in_a_worker_of_the_previous_release_after_a_newer_release_switched_is_refused(archive):
    """A newer release's rebuild made its schema live; a worker of the previous release still
    answers from the generation it holds, but cannot write there: its write must fail at once
    (SearchUnavailable, so that the save is owed for the newer release to index), not spin."""
    assert totals() == (6, 6)  # this worker holds the live generation
    old = live_name(archive)
    folder = IndexFolder(str(archive))
    folder.switch_to(new_empty_generation(archive, "a-newer-release"))
    outcome = []

    def write():
        try:
            with search_maintenance().lock_wait(1):
                search_backend().remove("articles.article.1")  # as reindex_articles writes
            outcome.append("written")
        except SearchUnavailable:
            outcome.append("refused")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    writer.join(timeout=5)
    try:
        assert outcome == ["refused"]
    finally:
        folder.switch_to(old)  # lets a writer that spins finish
        writer.join(timeout=10)


# Old generations ------------------------------------------------------------------------------


def test_the_previous_generation_is_removed_once_no_one_reads_it(archive):
    first = live_name(archive)
    second = rebuild()["generation"]
    assert generation_folders(archive) == {second}  # no reader held the first

    with open(archive / second / "readers.lock", "a") as reader:  # another process's hold: its own open file
        fcntl.flock(reader, fcntl.LOCK_SH)
        third = rebuild()["generation"]
        assert generation_folders(archive) == {second, third}  # still read: kept
        assert IndexFolder(str(archive)).remove_unused() == []
    assert IndexFolder(str(archive)).remove_unused() == [second]
    assert generation_folders(archive) == {third} and first != second != third
    assert totals() == (6, 6)


def test_a_worker_moving_to_the_new_generation_removes_the_one_it_left(archive):
    """The last reader of the old generation removes it when it moves on (backend.snapshot)."""
    old = live_name(archive)
    target = new_empty_generation(archive)
    IndexFolder(str(archive)).switch_to(target)  # as another process's rebuild does; this one reads the old one
    assert generation_folders(archive) == {old, target}
    assert search_backend().snapshot().name == target  # the next search moves this process to the new generation
    assert generation_folders(archive) == {target}
