"""Render ``bench/run.py`` results files as ``docs/benchmarks.md``: with archives of several sizes,
first the curve (how each figure grows with the archive), then each archive in full.

    .venv/bin/python bench/report.py bench/results/full.json [--out docs/benchmarks.md]
    .venv/bin/python bench/report.py bench/results/full.json bench/results/scale-1m.json \
        --memory bench/results/memory-*.json
"""

import argparse
import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LOAD_RESULTS = ("load.json", "load-100000.json")  # bench/load.py's Reuters and 100,000-article runs
CLASSES = {
    "common_word": "common word",
    "two_rare_words": "two rare words",
    "browse_newest": "browse all, newest first",
    "word_two_filters": "word + 2 facet filters",
}
TARGETS = """Targets (issue 4), at 100,000 articles on this 2-core machine: p95 of every class through gunicorn
under 150 ms; at the function level no more than 10× tantivy's p95; full `rebuild_index` under
5 minutes; an admin save findable in under 1 s; import with extraction at 150 articles/s or more.

Targets (issue 14), at 1,000,000 articles: every class under 150 ms p95 through gunicorn and within
5× of tantivy's p95; import with extraction at 500 articles/s or more; `rebuild_index` under 20
minutes; an admin save findable in under 1 s; PSS under 250 MB a worker (120 MB on Reuters). At
100,000 articles: every class within 3× of tantivy's p95 at the engine level, and under 50 ms p95
through gunicorn for the HTML page as for the API.

"Engine" is the time a request spends in haystack's backend calls (`search`, `more_like_this`,
the spelling suggestion: what tantivy's search does, from the query to snippets and facets), timed
inside the same `run_search` calls (`bench/timing.py`, `EngineClock`); `run_search` adds what the
site builds around it (the form, the facets' labels, the page's links and chips). Runs before
2026-12-06 measured `run_search` only."""


def ms(figures) -> str:
    return f"{figures['p50']:.1f} / {figures['p95']:.1f}" if figures else "–"


def ratio(ours, theirs) -> str:
    if not (ours and theirs and theirs["p95"]):
        return "–"
    times = ours["p95"] / theirs["p95"]
    return f"{times:.1f}×" if times < 10 else f"{times:.0f}×"


def latency_table(archive: dict) -> list[str]:
    lines = [
        "| request class (all 4 facets) | ours, engine | ours, run_search | ours, gunicorn API | ours, gunicorn HTML page | tantivy "
        "| FTS5 | engine/tantivy (p95) | run_search/tantivy (p95) | run_search/FTS5 (p95) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    pages = archive.get("ours_gunicorn_page", {})  # measured from the run of issue 14 on
    engine = archive.get("ours_engine", {})  # measured from 2026-12-06 on
    for key, label in CLASSES.items():
        ours, web = archive["ours_function"][key], archive["ours_gunicorn"][key]
        page = ms(pages[key]) if key in pages else "–"
        tantivy, fts5 = archive["tantivy"]["latency"][key], archive["fts5"]["latency"][key]
        lines.append(f"| {label} | {ms(engine.get(key))} | {ms(ours)} | {ms(web)} | {page} | {ms(tantivy)} | {ms(fts5)} "
                     f"| {ratio(engine.get(key), tantivy)} | {ratio(ours, tantivy)} | {ratio(ours, fts5)} |")
    if "related" in archive["ours_function"]:  # no reference engine has more-like-this
        lines.append(f"| related articles (an article's five) | – | {ms(archive['ours_function']['related'])} | {ms(archive['ours_gunicorn']['related'])} | – | – | – | – | – | – |")
    return lines


def save_rows(save: dict) -> list[str]:
    def ms_max(p):
        return f"{ms(p)} ms, max {p['max']:.0f} ms"

    total = save["findable_through_gunicorn_ms"]
    if "admin_post_ms" not in save:  # results from before saves went through the admin
        return [f"| save (ORM) to findable through gunicorn, p50 / p95 of {total['n']} | {ms_max(total)} |"]
    return [
        f"| admin save to findable through gunicorn, p50 / p95 of {total['n']} saves | {ms_max(total)} |",
        f"| of which new articles ({save['findable_new_ms']['n']}) | {ms_max(save['findable_new_ms'])} |",
        f"| of which edits of archive articles ({save['findable_edit_ms']['n']}) | {ms_max(save['findable_edit_ms'])} |",
        f"| the admin's POST alone (save, extraction, index commit, redirect) | {ms_max(save['admin_post_ms'])} |",
    ]


def worker_pss_mb(memory: dict) -> float:
    """The mean PSS of the gunicorn workers after ``bench/worker_memory.py``'s whole workload."""
    workers = memory["gunicorn"]["after_workload"]["workers"].values()
    return sum(worker["pss"] for worker in workers) / len(workers) / 1024


def arrays_part(archive: dict, text: str | None = None) -> str:
    """The shared arrays' part of the index's size, in a run that measured it (from 2026-12-05)."""
    if "index_arrays_mb" not in archive:
        return ""
    return text if text is not None else f" ({archive['index_arrays_mb']:.0f})"


def curve_section(archives: list[dict], memories: list[dict] = ()) -> list[str]:
    """One column per archive, smallest first: what grows with the archive, side by side."""
    archives = sorted(archives, key=lambda archive: archive["articles"])
    memory_of = {memory["articles"]: memory for memory in memories if "gunicorn" in memory}

    def row(label, value) -> str:
        return f"| {label} | " + " | ".join(value(archive) for archive in archives) + " |"

    def memory_cell(archive) -> str:
        near = [articles for articles in memory_of if abs(articles - archive["articles"]) <= archive["articles"] * 0.01]
        if not near:
            return "–"
        memory = memory_of[near[0]]
        return f"{worker_pss_mb(memory):.0f} MB ({memory['commit']}{'+' if memory.get('dirty') else ''})"

    lines = [
        "## The curve: " + ", ".join(f"{archive['articles']:,}" for archive in archives) + " articles",
        "",
        "p95 in ms; each ratio is ours over tantivy's p95 in the same process, pass by pass: at the engine level "
        "(haystack's backend calls within `run_search`) and at the function level (`run_search`).",
        "",
        "| | " + " | ".join(f"{archive['name']} ({archive['articles']:,})" for archive in archives) + " |",
        "|---|" + "---|" * len(archives),
    ]
    for key, label in CLASSES.items():
        lines.append(row(f"{label}: engine / tantivy / ratio",
                         lambda a, key=key: f"{a['ours_engine'][key]['p95']:.1f} / {a['tantivy']['latency'][key]['p95']:.1f} / "
                                            f"{ratio(a['ours_engine'][key], a['tantivy']['latency'][key])}"
                         if "ours_engine" in a else "–"))  # fmt: skip
        lines.append(row(f"{label}: run_search / tantivy / ratio",
                         lambda a, key=key: f"{a['ours_function'][key]['p95']:.1f} / {a['tantivy']['latency'][key]['p95']:.1f} / "
                                            f"{ratio(a['ours_function'][key], a['tantivy']['latency'][key])}"))  # fmt: skip
        lines.append(row(f"{label}: gunicorn API / HTML page",
                         lambda a, key=key: f"{a['ours_gunicorn'][key]['p95']:.1f} / "
                                            f"{a.get('ours_gunicorn_page', {}).get(key, {}).get('p95', float('nan')):.1f}"))  # fmt: skip
    lines += [
        row("related articles: run_search / gunicorn API", lambda a: f"{a['ours_function']['related']['p95']:.1f} / {a['ours_gunicorn']['related']['p95']:.1f}"
            if "related" in a["ours_function"] else "–"),
        row("admin save to findable, p95 ms", lambda a: f"{a['save_to_findable']['findable_through_gunicorn_ms']['p95']:.0f}"),
        row("import with extraction, articles/s", lambda a: f"{a['import']['articles_per_s']:.0f} ({a['import']['seconds'] / 60:.1f} min)"),
        row("`rebuild_index`, articles/s", lambda a: f"{a['rebuild']['articles_per_s']:.0f} ({a['rebuild']['seconds'] / 60:.1f} min)"),
        row("index on disk (of it, shared arrays) / tantivy's, MB", lambda a: f"{a['index_mb']:.0f}{arrays_part(a)} / {a['tantivy']['index_mb']:.0f}"),
        row("SQLite database, MB", lambda a: f"{a['database_mb']:.0f}"),
        row("a worker's warm-up, ms", lambda a: f"{a['ours_warm_up_ms']:.0f}" if "ours_warm_up_ms" in a else "–"),
        row("PSS a gunicorn worker after `bench/worker_memory.py`'s workload (commit)", memory_cell),
        row("commit of the run", lambda a: a.get("commit", "–")),
        "",
    ]
    return lines


def archive_section(archive: dict) -> list[str]:
    save = archive["save_to_findable"]
    lines = [
        f"## {archive['name']}: {archive['articles']:,} articles",
        "",
        "Latency in ms, p50 / p95, over "
        + ", ".join(f"{archive['request_counts'][key]} {label} requests" for key, label in CLASSES.items())
        + f" (the browse request is one request repeated), each run {archive['ours_function']['common_word']['n'] // max(1, archive['request_counts']['common_word'])} times.",
        "",
        *([f"Load average (1, 5, 15 min) at start {archive['load_average_at_start']}, at end {archive['load_average_at_end']}; "
           "a load above 2 on this 2-core machine means other work competed with the benchmark.", ""]
          if "load_average_at_start" in archive else []),
        *latency_table(archive),
        "",
        "| measure | value |",
        "|---|---|",
        f"| import with extraction and indexing (`import_articles`, wall time incl. start-up) | {archive['import']['articles_per_s']:.0f} articles/s ({archive['import']['seconds']:.0f} s) |",
        f"| `rebuild_index --noinput`, while gunicorn answers searches | {archive['rebuild']['articles_per_s']:.0f} articles/s ({archive['rebuild']['seconds']:.0f} s) |",
        *traffic_rows(archive),
        f"| Whoosh index on disk after rebuild{arrays_part(archive, ', of it shared arrays')} (after import) | {archive['index_mb']:.0f} MB{arrays_part(archive)} ({archive['index_mb_after_import']:.0f} MB) |",
        f"| SQLite database | {archive['database_mb']:.0f} MB |",
        *save_rows(save),
        *warm_up_rows(archive),
        f"| tantivy load / index size | {archive['tantivy']['load_seconds']} s / {archive['tantivy']['index_mb']} MB |",
        f"| FTS5 load / database size | {archive['fts5']['load_seconds']} s / {archive['fts5']['index_mb']} MB |",
    ]
    if "extraction" in archive:
        extraction = archive["extraction"]
        lines.append(
            f"| extraction alone (`entity_matcher().extract`, {extraction['articles']:,} Reuters articles) | "
            f"{extraction['articles_per_s']:.0f} articles/s ({extraction['seconds']} s) |"
        )
    lines += ["", "Requests drawn (first five of each class):", ""]
    for key, label in CLASSES.items():
        shown = ", ".join(f"`{'&'.join(f'{k}={v}' for k, v in request.items())}`" for request in archive["requests"][key])
        lines.append(f"- {label}: {shown}")
    lines += ["", "Agreement with the reference engines (total, and every facet count we show):", ""]
    for engine in ("tantivy", "fts5"):
        figures = archive[engine]
        lines.append(f"- {engine}: {figures['mismatches']} mismatching requests")
        lines += [f"  - {example}" for example in figures["mismatch_examples"][:6]]
    if archive.get("gunicorn_total_mismatches"):
        lines.append(f"- run_search and /api/search disagree on: {', '.join(archive['gunicorn_total_mismatches'])}")
    lines += ["", f"Profile of the slowest class at the function level ({CLASSES[archive['profile']['class']]}, "
              f"{archive['profile']['requests']} requests, cProfile):", "", "```", archive["profile"]["text"], "```", ""]  # fmt: skip
    return lines


def machine_line(runs: list[dict]) -> str:
    """The machine of the runs; each run's where they differ, since their figures then compare
    only within a run (a ratio against the reference engines does)."""

    def described(machine: dict) -> str:
        packages = ", ".join(f"{name}=={version}" for name, version in machine["packages"].items())
        return (f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gb']} GB RAM; Python {machine['python']}, "
                f"SQLite {machine['sqlite']}; {packages}")  # fmt: skip

    machines = [described(run["machine"]) for run in runs]
    if len(set(machines)) == 1:
        return f"Machine: {machines[0]}."
    each = "; ".join(f"commit {run['commit']}'s run: {machine}" for run, machine in zip(runs, machines))
    return (f"Machines differ between the runs ({each}). Compare absolute times only within a run; "
            "the ratios against tantivy and FTS5 are measured within each run.")


def render(runs: list[dict], loads: list[dict] = (), memories: list[dict] = ()) -> str:
    results = runs[0]
    lines = [
        "# Benchmarks",
        "",
        "Measured "
        + "; and ".join(f"{run['date']} with `{run['command']}` (commit {run['commit']})" for run in runs)
        + f", rendered by `.venv/bin/python bench/report.py`. {'Quick mode: small archives, indicative only.' if results['quick'] else ''}",
        "",
        machine_line(runs),
        "",
        "Each archive gets a fresh `DATA_DIR` under /tmp. `import_articles` runs on JSON Lines without tags, so it "
        "extracts them; `rebuild_index` then rebuilds the index from the database. gunicorn serves it with "
        "`gunicorn.conf.py` (sync workers, cores + 1) on 127.0.0.1, one request at a time, a new connection per "
        "request. tantivy and FTS5 are loaded in the same run with the same text (title, summary, body), dates "
        "and tags (read back from NewsArchive's database), and answer each request as `run_search` does: 20 hits "
        "(with snippets for text queries), the total and four facets (year, country, organisation, operation), "
        "each counted without its own filter. Words are ANDed in all three engines. tantivy's requests are timed "
        "with `run_search`'s, a class's pass on one then on the other (the first alternating), so that a slow spell of "
        "the machine slows both; FTS5's on their own. Each engine's files are read into the page cache just "
        "before it is timed: the machine pages out what has gone unread for about a minute.",
        "",
        TARGETS,
        "",
        "`docs/performance.md` explains where the time goes, what each fix was worth, and how the "
        "ratios varied between runs.",
        "",
        "The Reuters text is Reuters-21578, Distribution 1.0 (research use only); the 100,000-article archive "
        "recombines its paragraphs (`bench/scale_set.py`, seed "
        f"{results['seed']}: headlines and 3-8 paragraphs from articles of one topic or at random, dates uniform over "
        "1990-2009). Neither is stored in the repository.",
        "",
        "Totals can differ between engines for a few words because the analyzers differ: NewsArchive uses "
        "Whoosh's tokenizer, stop list and Porter stemmer, FTS5 the `porter unicode61` tokenizer (no stop "
        "words), tantivy `en_stem` (Snowball English). Such differences are listed per archive below.",
        "",
    ]
    archives = [archive | {"commit": run["commit"]} for run in runs for archive in run["archives"]]
    if len(archives) > 1:
        lines += curve_section(archives, memories)
    for archive in archives:
        lines += archive_section(archive)
    for load in loads:
        lines += load_section(load)
    return "\n".join(lines).rstrip() + "\n"


def load_section(load: dict) -> list[str]:
    """The load benchmark (bench/load.py): wrk against gunicorn, per worker count."""
    lines = [
        f"## Load: {load['articles']:,} {load.get('archive', 'Reuters')} articles through gunicorn",
        "",
        f"Measured {load['date']} with `.venv/bin/python bench/load.py{'' if load.get('archive', 'Reuters') == 'Reuters' else ' --size ' + str(load['articles'] // 1000 * 1000)}` (commit {load['commit']}): wrk, "
        f"{load['connections']} connections for {load['seconds']} s per worker count after a 3 s warm-up, on "
        "127.0.0.1, cycling through 600 requests: 30% text searches, 10% later pages of a search, 10% API "
        "searches for two words, 25% facet clicks (a country and an organisation), 25% article pages. "
        "Every HTML search computes all four facets and draws the timeline."
        + (f" Load average (1, 5, 15 min) at start {' / '.join(f'{x:.2f}' for x in load['load_average_at_start'])}, "
           f"at end {' / '.join(f'{x:.2f}' for x in load['load_average_at_end'])}."
           if "load_average_at_start" in load else ""),
        "",
        "| gunicorn workers | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in load["runs"]:
        lines.append(
            f"| {run['workers']} | {run['requests_per_s']:.0f} | {run['p50_ms']:.1f} | {run['p95_ms']:.1f} | "
            f"{run['p99_ms']:.1f} | {run['max_ms']:.0f} | {run['errors']} |"
        )
    return lines + [""]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, nargs="+", help="one or more results files (their archives in order)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--load", type=Path, nargs="*", default=[REPO_ROOT / "bench" / "results" / name for name in LOAD_RESULTS],
                        help="load benchmark results (bench/load.py), each rendered when its file exists")  # fmt: skip
    parser.add_argument("--memory", type=Path, nargs="*", default=[],
                        help="bench/worker_memory.py gunicorn results, shown in the curve beside the archive of their size")  # fmt: skip
    args = parser.parse_args(argv)
    loads = [json.loads(path.read_text()) for path in args.load if path.exists()]
    memories = [json.loads(path.read_text()) for path in args.memory]
    args.out.write_text(render([json.loads(path.read_text()) for path in args.results], loads, memories))
    print(f"Wrote {args.out}")



def warm_up_rows(archive) -> list[str]:
    """The process's warm-up (as a gunicorn worker's) and its first search; runs from before the
    warm-up was measured give the first search of a cold process."""
    if "ours_warm_up_ms" not in archive:
        return [f"| first search in a fresh process (opens the searcher, builds the caches) | {archive['ours_first_request_ms']:.0f} ms |"]
    return [
        f"| a worker's warm-up (`newsarchive/warmup.py`; with the entity matcher before issue 14) | {archive['ours_warm_up_ms']:.0f} ms |",
        f"| first search after the warm-up | {archive['ours_first_request_ms']:.0f} ms |",
    ]


def traffic_rows(archive) -> list[str]:
    """What the searches made during the rebuild got back (bench/traffic.py); older runs lack it."""
    traffic = archive.get("rebuild_under_traffic")
    if not traffic:
        return []
    return [
        f"| searches answered during the rebuild (4 kinds, in a loop) | {traffic['answers']}, of which wrong "
        f"(not 200, or a total other than before): {traffic['wrong_answers']}; p50 {traffic['latency_ms_p50']} ms, "
        f"max {traffic['latency_ms_max']} ms |"
    ]


if __name__ == "__main__":
    main()
