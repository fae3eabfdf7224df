"""Smoke tests for the benchmark code itself; independent of Django.

    .venv/bin/python -m pytest bench/test_bench.py -p no:django
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_engines import Fts5Engine, Request, TantivyEngine  # noqa: E402
from scale_set import scale_records, write_jsonl  # noqa: E402

CORPUS = [
    {"id": n, "title": f"HEADLINE {n}", "body": f"First paragraph {n} about oil.\n    Second paragraph {n}, grain.",
     "dateline": "LONDON, March 3", "topics": ["crude"] if n % 2 else [], "countries": ["GB"] if n % 3 else [],
     "orgs": ["opec"] if n % 4 == 0 else []}
    for n in range(1, 30)
]  # fmt: skip


def test_same_seed_gives_a_byte_identical_file(tmp_path):
    first, second, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    write_jsonl(scale_records(CORPUS, 50, seed=7), first)
    write_jsonl(scale_records(CORPUS, 50, seed=7), second)
    write_jsonl(scale_records(CORPUS, 50, seed=8), other)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_unlabelled_records_carry_no_tags_and_dates_span_1990_to_2009():
    records = list(scale_records(CORPUS, 200, seed=1))
    assert not any({"countries", "organisations", "operations"} & set(record) for record in records)
    years = {int(record["published_at"][:4]) for record in records}
    assert min(years) >= 1990 and max(years) <= 2009 and len(years) > 10


def test_labelled_records_draw_tags_from_the_labels():
    records = list(scale_records(CORPUS, 200, seed=1, labelled=True))
    assert {code for record in records for code in record["countries"]} == {"GB"}
    assert {code for record in records for code in record["organisations"]} <= {"opec"}


DOCS = [
    {"id": n, "title": f"Doc {n}", "text": ("oil prices rose" if n % 2 else "grain exports fell") + (" sharply" if n % 5 == 0 else ""),
     "published": 600_000_000 + n * 86_400 * 40, "year": str(1989 + n // 10),
     "countries": ["US"] + (["GB"] if n % 3 == 0 else []), "organisations": ["opec"] if n % 4 == 0 else [],
     "operations": ["op-x"] if n == 7 else []}
    for n in range(1, 21)
]  # fmt: skip


@pytest.fixture(params=["tantivy", "fts5"])
def engine(request, tmp_path):
    engine = TantivyEngine(tmp_path / "tantivy") if request.param == "tantivy" else Fts5Engine(tmp_path / "fts.sqlite3")
    engine.load(DOCS)
    return engine


def test_text_query_counts_and_facets(engine):
    answer = engine.search(Request(words=("oil",)))
    assert answer.total == 10
    assert answer.facets["countries"] == {"US": 10, "GB": 3}
    assert answer.facets["organisations"] == {}
    assert answer.facets["operations"] == {"op-x": 1}
    assert sum(answer.facets["year"].values()) == 10


def test_words_are_anded_and_stemmed(engine):
    assert engine.search(Request(words=("oil", "sharply"))).total == 2
    assert engine.search(Request(words=("price",))).total == 10


def test_browse_all_is_newest_first_with_archive_wide_facets(engine):
    answer = engine.search(Request(sort="newest"))
    assert answer.total == 20
    assert [hit[0] for hit in answer.hits][:3] == [20, 19, 18]
    assert answer.facets["countries"] == {"US": 20, "GB": 6}
    assert answer.facets["organisations"] == {"opec": 5}


def test_a_selected_facet_is_counted_without_its_own_filter(engine):
    answer = engine.search(Request(words=("oil",), filters={"countries": ("GB",), "organisations": ("opec",)}))
    assert answer.total == 0  # odd and multiple of 3 and of 4: none among the odd numbers
    answer = engine.search(Request(words=("grain",), filters={"countries": ("GB",), "organisations": ("opec",)}))
    assert answer.total == 1  # 12
    assert answer.facets["countries"] == {"US": 5, "GB": 1}  # grain and opec: 4, 8, 12, 16, 20
    assert answer.facets["organisations"] == {"opec": 1}  # grain and GB: 6, 12, 18


def test_worker_memory_reads_pss_and_draws_words_from_an_archive(tmp_path):
    import os
    import sqlite3

    import worker_memory

    own = worker_memory.pss_kb()
    assert 0 < own["pss"] <= own["rss"] and own["private"] > 0
    assert worker_memory.pss_kb(os.getpid())["rss"] > 0
    assert worker_memory.largest_mappings(top=3) and all(mapping["pss"] >= 0 for mapping in worker_memory.largest_mappings(top=3))
    assert worker_memory.children(os.getpid()) == []
    kinds = worker_memory.mapping_kinds()
    assert kinds["anonymous"] > 0 and kinds["shared libraries"] > 0  # the interpreter's heap, libpython or numpy
    assert sum(kinds.values()) == sum(mapping["pss"] for mapping in worker_memory.largest_mappings(top=None))

    with sqlite3.connect(tmp_path / "newsarchive.sqlite3") as db:
        db.execute("CREATE TABLE articles_article (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
        db.executemany("INSERT INTO articles_article (title, body) VALUES (?, ?)",
                       [(f"Oil story {n}", f"crude prices rose word{n % 5} again") for n in range(20)])  # fmt: skip
    words = worker_memory.archive_words(tmp_path, 6, seed=1)
    assert len(words) == len(set(words)) == 6
    assert {"again", "crude", "prices"} <= set(words)  # the three most frequent, ties by word
    assert words == worker_memory.archive_words(tmp_path, 6, seed=1)


def test_the_report_renders_each_load_run_with_its_archive():
    from report import load_section

    run = {"workers": 3, "requests_per_s": 41.5, "p50_ms": 60.0, "p95_ms": 150.0, "p99_ms": 210.0, "max_ms": 400.0, "errors": 0}
    common = {"date": "2026-12-03 14:00 UTC", "commit": "abc1234", "connections": 8, "seconds": 20, "runs": [run]}
    reuters = "\n".join(load_section(common | {"articles": 21578}))
    generated = "\n".join(load_section(common | {"articles": 100000, "archive": "generated",
                                                 "load_average_at_start": [0.5, 0.4, 0.3], "load_average_at_end": [2.1, 1.0, 0.6]}))  # fmt: skip
    assert "## Load: 21,578 Reuters articles" in reuters and "bench/load.py`" in reuters
    assert "## Load: 100,000 generated articles" in generated and "bench/load.py --size 100000`" in generated
    assert "at start 0.50 / 0.40 / 0.30, at end 2.10 / 1.00 / 0.60" in generated
    assert "| 3 | 42 | 60.0 | 150.0 | 210.0 | 400 | 0 |" in generated


def test_the_curve_puts_each_archive_in_a_column_smallest_first_with_its_memory():
    from report import CLASSES, curve_section

    def archive(name, articles, p95, tantivy_p95):
        figures = {key: {"p50": p95 / 2, "p95": p95, "max": p95, "n": 30} for key in CLASSES}
        return {"name": name, "articles": articles, "commit": "abc1234", "ours_function": figures, "ours_gunicorn": figures,
                "ours_gunicorn_page": figures, "tantivy": {"latency": {key: {"p50": 1, "p95": tantivy_p95} for key in CLASSES}, "index_mb": 20.0},
                "save_to_findable": {"findable_through_gunicorn_ms": {"p95": 80.0}}, "import": {"articles_per_s": 400.0, "seconds": 2500.0},
                "rebuild": {"articles_per_s": 600.0, "seconds": 1666.0}, "index_mb": 50.0, "database_mb": 60.0}  # fmt: skip

    workers = {"1": {"pss": 200 * 1024}, "2": {"pss": 220 * 1024}}
    memory = {"articles": 1_000_000, "commit": "def5678", "dirty": False, "gunicorn": {"after_workload": {"workers": workers}}}
    lines = curve_section([archive("generated-1000000", 1_000_000, 120.0, 30.0), archive("reuters", 21_577, 14.0, 2.0)], [memory])
    table = "\n".join(lines)
    assert lines[0] == "## The curve: 21,577, 1,000,000 articles"
    assert "| | reuters (21,577) | generated-1000000 (1,000,000) |" in table
    assert "| common word: run_search / tantivy / ratio | 14.0 / 2.0 / 7.0× | 120.0 / 30.0 / 4.0× |" in table
    assert "| common word: engine / tantivy / ratio | – | – |" in table  # not measured in these runs

    engine = {key: {"p50": 2.0, "p95": 5.0, "max": 6.0, "n": 30} for key in CLASSES}
    measured = curve_section([archive("reuters", 21_577, 14.0, 2.0) | {"ours_engine": engine}], [])
    assert "| two rare words: engine / tantivy / ratio | 5.0 / 2.0 / 2.5× |" in measured
    assert "| import with extraction, articles/s | 400 (41.7 min) | 400 (41.7 min) |" in table
    assert "(commit) | – | 210 MB (def5678) |" in table
    assert "| index on disk (of it, shared arrays) / tantivy's, MB | 50 / 20 | 50 / 20 |" in table  # not measured then

    measured = archive("reuters", 21_577, 14.0, 2.0) | {"index_arrays_mb": 12.4}
    assert "| index on disk (of it, shared arrays) / tantivy's, MB | 50 (12) / 20 |" in "\n".join(curve_section([measured], []))


def test_the_machine_line_names_each_runs_machine_where_they_differ():
    from report import machine_line

    machine = {"cpu": "AMD EPYC", "cores": 2, "ram_gb": 23.5, "python": "3.11.7", "sqlite": "3.40.1", "packages": {"numpy": "2.4.6"}}
    same = [{"commit": "a", "machine": machine}, {"commit": "b", "machine": dict(machine)}]
    assert machine_line(same) == "Machine: AMD EPYC, 2 cores, 23.5 GB RAM; Python 3.11.7, SQLite 3.40.1; numpy==2.4.6."
    other = [same[0], {"commit": "b", "machine": machine | {"cpu": "Intel Xeon"}}]
    line = machine_line(other)
    assert "commit a's run: AMD EPYC" in line and "commit b's run: Intel Xeon" in line and "within a run" in line


def test_reading_into_the_page_cache_reads_every_file_once(tmp_path):
    from page_cache import read_into_page_cache

    (tmp_path / "index" / "arrays").mkdir(parents=True)
    (tmp_path / "index" / "a.seg").write_bytes(b"x" * 3_000_000)  # more than one chunk
    (tmp_path / "index" / "arrays" / "b.npy").write_bytes(b"y" * 10)
    (tmp_path / "db.sqlite3").write_bytes(b"z" * 7)
    assert read_into_page_cache(tmp_path / "index", tmp_path / "db.sqlite3") == 3_000_017
    assert read_into_page_cache(tmp_path / "missing") == 0


def test_engines_timed_together_take_turns_by_pass_and_keep_each_ones_samples_and_totals():
    from timing import timed_together

    order = []

    def engine(name, total):
        def call(request):
            order.append((name, request["q"]))
            return total(request)

        return call

    classes = {"words": [{"q": "a"}, {"q": "b"}], "more": [{"q": "c"}]}
    latencies, totals = timed_together(classes, 2, {"ours": engine("ours", len), "ref": engine("ref", lambda r: 7)})
    # Each pass of a class on one engine, then the other; the engine timed first alternates from pass to pass.
    assert order == [("ours", "a"), ("ours", "b"), ("ref", "a"), ("ref", "b"),
                     ("ref", "a"), ("ref", "b"), ("ours", "a"), ("ours", "b"),
                     ("ours", "c"), ("ref", "c"), ("ref", "c"), ("ours", "c")]  # fmt: skip
    assert {name: {c: v["n"] for c, v in by_class.items()} for name, by_class in latencies.items()} == {
        "ours": {"words": 4, "more": 2}, "ref": {"words": 4, "more": 2}}  # fmt: skip
    assert totals == {"ours": {"words": {0: 1, 1: 1}, "more": {0: 1}}, "ref": {"words": {0: 7, 1: 7}, "more": {0: 7}}}


def test_the_engine_clock_counts_only_the_time_inside_the_engines_calls_once_and_puts_them_back():
    from timing import EngineClock

    now = [0.0]  # seconds of a clock the engine's calls advance

    class Engine:
        def search(self, seconds):
            now[0] += seconds
            return self.spelling_suggestion_for(seconds)  # an engine call within a call: counted once

        def spelling_suggestion_for(self, seconds):
            now[0] += 3 * seconds
            return "word"

    original = Engine.search
    engine = Engine()
    with EngineClock(Engine, clock=lambda: now[0]) as clock:
        now[0] += 5.0  # outside the engine
        assert engine.search(0.01) == "word"
        assert round(clock.take(), 9) == 40.0  # 10 + 30 ms; counted twice, 70
        assert clock.take() == 0.0
    assert Engine.search is original and "more_like_this" not in Engine.__dict__
    engine.search(0.01)
    assert clock.take() == 0.0  # no longer timed


def test_percentiles_take_the_nearest_rank():
    from timing import percentiles

    assert percentiles([float(n) for n in range(1, 101)]) == {"p50": 50.5, "p95": 95.0, "max": 100.0, "n": 100}
    assert percentiles([3.0]) == {"p50": 3.0, "p95": 3.0, "max": 3.0, "n": 1}
