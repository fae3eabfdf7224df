"""A rebuild by several processes answers every search as one by one process, a process that dies
fails the rebuild (the live index keeps serving) instead of hanging it, and no process outlives it."""

import multiprocessing
import os
import random

import pytest
from haystack.query import SearchQuerySet
from whoosh.multiproc import SubWriterTask

from search.engine import parallel_writing, whoosh_internals
from search.engine.parallel_writing import index_processes
from search.engine.whoosh_internals import ParallelWriteFailed
from search.indexing import search_backend, search_maintenance
from search.signals import index_updates_paused
from tests.factories import ArticleFactory
from tests.search.helpers import facet_counts, search

pytestmark = pytest.mark.archive_engine

WORDS = ["cartel", "hackers", "police", "arrest", "ministry", "library", "oil", "coffee", "wheat", "peso"]
QUERIES = WORDS + ["hackers police", "oil OR coffee", '"national police"', "cart*", "-oil coffee"]


@pytest.fixture
def archive(db, search_index):
    """90 articles of mixed words, lengths and tags, written in one transaction."""
    rng = random.Random(5)
    with index_updates_paused():
        for n in range(90):
            words = rng.choices(WORDS, k=rng.randint(3, 40)) + (["national", "police"] if n % 9 == 0 else [])
            ArticleFactory(slug=f"story-{n}", title=" ".join(words[:3]) + f" {n}", body=" ".join(words),
                           countries=["MX"] if n % 4 == 0 else [], language="es" if n % 5 == 0 else "en")  # fmt: skip
    return search_index


def rebuild_with(processes: int) -> dict:
    search_backend().index_processes = processes
    return search_maintenance().rebuild(batch_size=25)


def answers() -> dict:
    """Every query's matches with their scores (the order among equal scores is the index's own),
    and the country facet of a browse."""
    found = {}
    for text in QUERIES:
        results = SearchQuerySet().auto_query(text)
        found[text] = sorted((result.pk, round(result.score, 9)) for result in results)
    found["facets"] = facet_counts(search(""), "country")
    return found


@pytest.fixture
def small_jobs(monkeypatch):
    """Parallel from the first document, in jobs of 7, so that 90 documents reach both processes."""
    monkeypatch.setattr(parallel_writing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(whoosh_internals, "JOB_DOCUMENTS", 7)


def live_segments() -> int:
    search_backend().forget_snapshot()
    return len(search_backend().snapshot().index._segments())


def test_two_processes_answer_as_one(archive, small_jobs):
    rebuild_with(1)
    assert live_segments() == 1
    one = answers()
    report = rebuild_with(2)
    assert report["documents"] == 90
    assert live_segments() == 2
    assert answers() == one
    assert sum(len(matches) for text, matches in one.items() if text != "facets") > 200  # the queries match


def test_below_the_threshold_one_process_writes(archive, monkeypatch):
    monkeypatch.setattr(parallel_writing, "PARALLEL_FROM", 91)
    rebuild_with(2)
    assert live_segments() == 1


def test_a_process_that_dies_fails_the_rebuild_and_the_live_index_serves(archive, small_jobs, monkeypatch):
    rebuild_with(1)
    before = answers()
    live = os.readlink(archive / "current")
    monkeypatch.setattr(SubWriterTask, "_process_file", lambda task, *job: os._exit(3))  # in the forked processes
    with pytest.raises(ParallelWriteFailed, match="exit code 3"):
        rebuild_with(2)
    assert os.readlink(archive / "current") == live
    assert {path.name for path in archive.iterdir() if path.name.startswith("g-")} == {live}
    assert answers() == before
    assert multiprocessing.active_children() == []


def test_the_writing_processes_do_not_hold_the_rebuild_lock(archive, small_jobs, monkeypatch, tmp_path):
    """A flock is shared by a fork: a writer that kept the parent's descriptor would hold the
    rebuild lock with it, and a killed rebuild would look running until its writers died too."""
    process_file = SubWriterTask._process_file

    def note_open_files(task, *job):  # in the forked processes
        names = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}")]
        (tmp_path / f"open-{os.getpid()}").write_text("\n".join(names))
        return process_file(task, *job)

    monkeypatch.setattr(SubWriterTask, "_process_file", note_open_files)
    rebuild_with(2)
    seen = [path.read_text().splitlines() for path in tmp_path.glob("open-*")]
    assert len(seen) == 2 and all(any(name.startswith(str(archive)) for name in names) for names in seen)  # the index's files
    assert not [name for names in seen for name in names if name.endswith("rebuild.lock")]
    assert not search_maintenance().status()["rebuilding"]


def test_no_process_outlives_a_rebuild(archive, small_jobs):
    rebuild_with(2)
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("option, processes", [(1, 1), ("3", 3), (0, 1)])
def test_the_option_sets_the_processes(option, processes):
    assert index_processes(option) == processes


def test_by_default_one_process_per_core_at_most_four():
    assert index_processes(None) == max(1, min(os.cpu_count() or 1, 4))
