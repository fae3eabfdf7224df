"""What a web worker's memory is made of (issue 14): PSS piece by piece, and PSS of real gunicorn workers.

PSS (proportional set size, from /proc/PID/smaps_rollup) counts a page shared by n processes as
1/n in each, so the PSS of a master and its workers adds up to the memory they take together.

``pieces``: a fresh Python process with the archive's settings adds one piece at a time and reads
its own PSS after each: the bare interpreter, Django and the project's settings, numpy,
Whoosh/haystack, the search engine's modules, the extraction modules (imported only),
``django.setup()`` (apps, models, the admin), the URLconf, a search as a worker's warm-up runs it
(the opened index snapshot), the entity matcher and the dateline gazetteer built as the app builds
them (``articles.tagging.entity_matcher``), and then N searches (``run_search`` over words of the
archive). Each row lists the top-level packages the step imported.

``gunicorn``: starts gunicorn with the project's gunicorn.conf.py over the archive (as
``bench/run.py`` does), waits for the workers to warm up, reads every process's PSS, runs half
the searches (``/api/search`` and the HTML search page over words of the archive, from a few
client threads), reads them again, then the admin saves (over HTTP as ``bench/measure.py`` makes
them) and the other half of the searches, and reads them a last time.

The archive: ``--data-dir`` of one already built (by ``bench/run.py --keep`` or by this script's
``--keep``), or ``--archive sample`` (the 49-article sample archive) or ``--archive reuters``
(Reuters-21578 imported with extraction, about 2 minutes) built in a fresh DATA_DIR under /tmp.

    .venv/bin/python bench/worker_memory.py pieces --archive sample --searches 600
    .venv/bin/python bench/worker_memory.py gunicorn --archive reuters --keep --searches 600 --saves 20
    .venv/bin/python bench/worker_memory.py both --data-dir /tmp/newsarchive-mem-reuters-x --out /tmp/mem.json
    WARM_UP_ENTITY_MATCHER=0 GUNICORN_CMD_ARGS=--preload .venv/bin/python bench/worker_memory.py gunicorn --data-dir ...
"""

import os
import sys
import time


def pss_kb(pid: int | str = "self") -> dict:
    """Pss, Rss and the private and shared parts of a process, in kB, from /proc/PID/smaps_rollup."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1])
    private = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    shared = fields.get("Shared_Clean", 0) + fields.get("Shared_Dirty", 0)
    return {"pss": fields["Pss"], "rss": fields["Rss"], "private": private, "shared": shared, "anonymous": fields.get("Anonymous", 0)}


def largest_mappings(pid: int | str = "self", top: int | None = 12) -> list[dict]:
    """The mapped files (and [heap], anonymous memory) with the largest PSS, from /proc/PID/smaps."""
    totals: dict[str, dict] = {}
    name = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            first = line.split(maxsplit=5)
            if "-" in first[0] and len(first) >= 5 and ":" not in first[0]:  # a mapping's header line
                name = first[5].strip() if len(first) > 5 else "[anonymous]"
                totals.setdefault(name, {"name": name, "pss": 0, "rss": 0})
            elif first[0] in ("Pss:", "Rss:"):
                totals[name][first[0][:-1].lower()] += int(first[1])
    return sorted(totals.values(), key=lambda mapping: -mapping["pss"])[:top]


def mapping_kinds(mappings: list[dict] | None = None) -> dict[str, int]:
    """PSS in kB by kind of mapping (``largest_mappings(pid, top=None)``, this process's by
    default): anonymous memory (the heap included), the index's segment files, its
    per-generation arrays, the extraction store, shared libraries, other files."""
    kinds: dict[str, int] = {}
    for mapping in largest_mappings(top=None) if mappings is None else mappings:
        name = mapping["name"]
        if not name.startswith("/"):
            kind = "anonymous"
        elif "/arrays/" in name:
            kind = "index arrays"
        elif "whoosh_index" in name:
            kind = "index segment files"
        elif "entity_matcher" in name:
            kind = "extraction store"
        elif ".so" in Path(name).name:
            kind = "shared libraries"
        else:
            kind = "other files"
        if name.endswith("(deleted)"):  # an older generation's file, still mapped
            kind += " (deleted)"
        kinds[kind] = kinds.get(kind, 0) + mapping["pss"]
    return dict(sorted(kinds.items(), key=lambda item: -item[1]))


# The child of ``pieces`` reads its PSS before it imports anything more than os, sys and time.
if __name__ == "__main__" and sys.argv[1:2] == ["--pieces-child"]:
    BARE = pss_kb()
    BARE_MODULES = set(sys.modules)

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import urllib.request  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

WORD = re.compile(r"[a-z]{4,}")


# ---------------------------------------------------------------- the archive


def build_archive(kind: str, reuters_limit: int | None) -> Path:
    """A fresh DATA_DIR under /tmp with the sample archive or Reuters imported and indexed, as bench/run.py builds them."""
    sys.path.insert(0, str(BENCH_DIR))
    from run import archive_env, free_port, manage
    from scale_set import load_corpus, reuters_records, write_jsonl

    data_dir = Path(tempfile.mkdtemp(prefix=f"newsarchive-mem-{kind}-", dir="/tmp"))
    env = archive_env(data_dir, free_port())
    started = time.perf_counter()
    with open(data_dir / "build.log", "a") as log:
        manage(env, "migrate", "--noinput", "-v0", log=log)
        manage(env, "collectstatic", "--noinput", "-v0", log=log)  # the admin pages need it with DEBUG off
        if kind == "sample":
            manage(env, "load_sample", log=log)
            manage(env, "rebuild_index", "--noinput", log=log)
        else:
            source = data_dir / "articles.jsonl"
            write_jsonl(reuters_records(load_corpus(), reuters_limit), source)
            manage(env, "import_articles", str(source), log=log)
    print(f"[archive] {kind} built in {data_dir} in {time.perf_counter() - started:.0f} s", flush=True)
    return data_dir


def archive_words(data_dir: Path, count: int, seed: int) -> list[str]:
    """``count`` distinct words of the archive's articles, half from the most frequent, half drawn
    from the rest (each appears in 2+ articles): common and rare searches. Read with sqlite3, so
    that the process whose memory is measured does not do it."""
    with sqlite3.connect(f"file:{data_dir / 'newsarchive.sqlite3'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT title, body FROM articles_article ORDER BY id").fetchall()
    frequency = Counter(word for title, body in rows for word in set(WORD.findall(f"{title} {body}".lower())))
    ranked = [word for word, n in sorted(frequency.items(), key=lambda item: (-item[1], item[0])) if n >= 2]  # ties by word: no hash order
    common = ranked[: count // 2]
    rest = ranked[count // 2 :]
    rare = random.Random(seed).sample(rest, min(len(rest), count - len(common)))
    words = common + rare
    random.Random(seed).shuffle(words)
    return words


def settings_env(data_dir: Path, port: int) -> dict:
    sys.path.insert(0, str(BENCH_DIR))
    from run import archive_env

    return archive_env(data_dir, port)


# ---------------------------------------------------------------- pieces


def run_pieces(data_dir: Path, words: list[str], searches: int, saves: int = 10) -> dict:
    """Runs this script as a fresh child process with the archive's settings; returns its rows.
    Its saves change the archive's newest articles (a sentence added), as an editor would."""
    env = settings_env(data_dir, 0)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec:
        json.dump({"words": words, "searches": searches, "saves": saves}, spec)
    try:
        done = subprocess.run([sys.executable, __file__, "--pieces-child", spec.name], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True)  # fmt: skip
    finally:
        os.unlink(spec.name)
    if done.returncode != 0:
        raise SystemExit(f"the pieces child failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def pieces_child(spec_path: str) -> None:
    """In the fresh process: add the pieces one by one, print one JSON line of rows."""
    sys.path.insert(0, str(REPO_ROOT))
    spec = json.loads(Path(spec_path).read_text())
    rows = [{"step": "bare interpreter (python, os, sys)", "seconds": 0.0, **BARE, "new_packages": []}]
    seen = set(BARE_MODULES)

    def step(name, action):
        started = time.perf_counter()
        action()
        seconds = time.perf_counter() - started
        new = sorted({module.split(".")[0] for module in set(sys.modules) - seen})
        seen.update(sys.modules)
        rows.append({"step": name, "seconds": round(seconds, 2), **pss_kb(), "new_packages": new})

    def django_settings():
        import django
        from django.conf import settings

        settings.INSTALLED_APPS  # the project's settings module, read

    def numpy_import():
        import numpy  # noqa: F401

    def whoosh_haystack():
        import haystack  # noqa: F401
        import whoosh.index  # noqa: F401
        import whoosh.qparser  # noqa: F401
        import whoosh.searching  # noqa: F401

    def django_setup():
        import django

        django.setup()

    def engine_modules():
        import search.engine.backend  # noqa: F401
        import search.engine.related  # noqa: F401
        import search.engine.snapshot  # noqa: F401

    def extraction_modules():
        import articles.extraction.gazetteer  # noqa: F401
        import articles.extraction.matcher  # noqa: F401

    def urlconf():
        from django.urls import get_resolver

        get_resolver().url_patterns

    def snapshot():
        from django.http import QueryDict

        from search.forms import SearchForm
        from search.service import run_search

        run_search(SearchForm(QueryDict("")).search_params())  # as warm_up: live documents, facets, date order

    def matcher():
        from articles.tagging import entity_matcher

        entity_matcher()

    def datelines():
        from articles.extraction.gazetteer import dateline_places

        dateline_places()

    def run_searches():
        from django.http import QueryDict

        from search.forms import SearchForm
        from search.service import run_search

        words = spec["words"]
        for number in range(spec["searches"]):
            query = {"q": words[number % len(words)]}
            if number % 3 == 1:
                query["sort"] = "newest"
            run_search(SearchForm(QueryDict(urlencode(query))).search_params())

    def language_detector():
        from articles.language import article_language

        article_language("Police arrest hackers", "", "Police arrested four people suspected of attacks on websites.")

    def model_saves():  # an editor's save without the admin's form: language, extraction, the index's commit
        from articles.models import Article

        for article in Article.objects.order_by("-pk")[: spec.get("saves", 10)]:
            article.body += " Updated."
            article.save()

    def admin_pages():  # what an editor opens: the list and an article's change form
        from django.contrib.auth import get_user_model
        from django.test import Client

        from articles.models import Article

        user, _ = get_user_model().objects.get_or_create(username="memory-bench", defaults={"is_staff": True, "is_superuser": True})
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for article in Article.objects.order_by("-pk")[: spec.get("saves", 10)]:
            for path in ("/admin/articles/article/", f"/admin/articles/article/{article.pk}/change/"):
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")

    step("+ Django, the project's settings read", django_settings)
    step("+ numpy", numpy_import)
    step("+ Whoosh, haystack", whoosh_haystack)
    step("+ extraction modules imported (articles.extraction.*)", extraction_modules)
    step("+ django.setup() (apps, models, admin)", django_setup)
    step("+ search engine modules (search.engine.*)", engine_modules)
    step("+ URLconf (every view module)", urlconf)
    step("+ index snapshot opened (warm-up's first search)", snapshot)
    step("+ entity matcher (articles.tagging.entity_matcher: loaded from the extraction store, built there first by a child if missing)", matcher)
    step("+ dateline gazetteer (gazetteer.dateline_places: installed with the matcher)", datelines)
    step(f"+ {spec['searches']} searches over {len(spec['words'])} words (run_search)", run_searches)
    step("+ language detector (articles.language: the first detection)", language_detector)
    step(f"+ {spec.get('saves', 10)} saves through the model (language, extraction, an index commit each)", model_saves)
    step(f"+ admin pages: the article list and {spec.get('saves', 10)} change forms", admin_pages)
    print(json.dumps({"rows": rows, "pid": os.getpid(), "mappings": largest_mappings()}))


# ---------------------------------------------------------------- gunicorn


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def process_memory(master: int) -> dict:
    """PSS of the master and of each worker; the total is what they take together."""
    master_kb = pss_kb(master)
    workers = {}
    for pid in children(master):
        try:
            workers[pid] = pss_kb(pid)
        except OSError:  # a worker recycled in between
            continue
    total = master_kb["pss"] + sum(worker["pss"] for worker in workers.values())
    return {"master": master_kb, "workers": workers, "total_pss": total}


def wait_settled(master: int, expected: int, timeout: float = 120) -> dict:
    """Until every worker is up and their PSS has stopped moving (the warm-up is over)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        memory = process_memory(master)
        now = tuple(sorted((pid, worker["pss"] // 512) for pid, worker in memory["workers"].items()))  # 0.5 MB steps
        if len(now) >= expected and now == last:
            largest = max(memory["workers"], key=lambda pid: memory["workers"][pid]["pss"])
            mappings = largest_mappings(largest, top=None)
            deleted = [m for m in mappings if m["name"].endswith("(deleted)")]
            memory["largest_worker_kinds"] = {"pid": largest, "pss_kb": mapping_kinds(mappings),
                                              "largest_deleted": [(Path(m["name"]).name, m["pss"]) for m in deleted[:8]]}  # fmt: skip
            return memory
        last = now
        time.sleep(2)
    return process_memory(master)


def fetch(base: str, path: str, opener=None) -> int:
    request = urllib.request.Request(base + path, headers={"Host": "127.0.0.1"})
    with (opener or urllib.request.build_opener()).open(request, timeout=120) as response:
        response.read()
        return response.status


def search_workload(port: int, words: list[str], searches: int, threads: int) -> dict:
    """``searches`` requests, alternating /api/search and the HTML search page, from ``threads`` clients."""
    base = f"http://127.0.0.1:{port}"
    paths = []
    for number in range(searches):
        query = {"q": words[number % len(words)]}
        if number % 3 == 1:
            query["sort"] = "newest"
        paths.append(("/api/search?" if number % 2 == 0 else "/?") + urlencode(query))
    statuses = Counter()
    lock = threading.Lock()

    def client(share):
        for path in share:
            status = fetch(base, path)
            with lock:
                statuses[status] += 1

    workers = [threading.Thread(target=client, args=(paths[n::threads],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return dict(statuses)


def admin_saves(port: int, saves: int, seed: int) -> list[float]:
    """Admin saves over HTTP as bench/measure.py makes them (half new articles, half edits), with an
    editor of our own; each connection is new, so the saves spread over the workers. Returns each
    save's milliseconds, from posting the form to the admin's redirect (the time is noisy on a
    shared machine; a worker's first save includes building the entity matcher)."""
    import measure  # django.setup() with the archive's settings, which this process has in its environment
    from django.contrib.auth import get_user_model

    from articles.models import Article

    password = secrets.token_urlsafe(16)
    user, _ = get_user_model().objects.get_or_create(username="memory-editor", defaults={"is_staff": True, "is_superuser": True})
    user.set_password(password)
    user.save()
    editor = measure.AdminEditor(port, "memory-editor", password)
    ids = random.Random(seed).sample(list(Article.objects.values_list("pk", flat=True)), saves)
    timings = []
    for number in range(saves):
        word = f"zqmemory{number}x{secrets.token_hex(3)}"
        if number % 2 == 0:
            path = "/admin/articles/article/add/"
            values = editor.form(path, {
                "title": f"Memory {word} saved", "slug": f"memory-{word}", "body": f"The {word} body, saved in the admin.",
                "published_at_0": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "published_at_1": "12:00:00", "source": "bench"})  # fmt: skip
        else:
            article = Article.objects.get(pk=ids[number])
            path = f"/admin/articles/article/{article.pk}/change/"
            values = editor.form(path, {"title": f"{article.title[:200]} {word}"})
        started = time.perf_counter()
        where = editor.post(path, values)
        timings.append(round((time.perf_counter() - started) * 1000, 1))
        if not where.endswith("/admin/articles/article/"):
            raise RuntimeError(f"the admin did not save: it answered {where}")
    return timings


def run_gunicorn(data_dir: Path, words: list[str], searches: int, saves: int, threads: int, seed: int) -> dict:
    sys.path.insert(0, str(BENCH_DIR))
    from run import free_port, start_gunicorn, stop, wait_warmed_up

    port = free_port()
    env = settings_env(data_dir, port)
    os.environ.update({key: env[key] for key in ("DJANGO_SETTINGS_MODULE", "DATA_DIR", "SECRET_KEY", "SECURE_SSL_REDIRECT", "DEBUG")})
    expected = int(env.get("WEB_CONCURRENCY", os.cpu_count() + 1))
    result = {"workers_configured": expected, "port": port,
              "environment": {name: env.get(name) for name in ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS", "WARM_UP_ENTITY_MATCHER", "SEARCH_CACHE_MB")}}  # fmt: skip
    log_path = data_dir / "worker_memory.log"
    with open(log_path, "a") as log:
        offset = log.tell()
        server = start_gunicorn(env, log)
        try:
            wait_warmed_up(log_path, offset, expected)
            result["after_warm_up"] = wait_settled(server.pid, expected)
            started = time.perf_counter()
            half = searches // 2
            result["search_statuses"] = Counter(search_workload(port, words, half, threads))
            result["after_searches"] = wait_settled(server.pid, expected, timeout=30)
            result["save_ms"] = admin_saves(port, saves, seed)
            result["saves"] = len(result["save_ms"])
            result["search_statuses"].update(search_workload(port, list(reversed(words)), searches - half, threads))
            result["search_statuses"] = dict(result["search_statuses"])
            result["workload_seconds"] = round(time.perf_counter() - started, 1)
            result["after_workload"] = wait_settled(server.pid, expected, timeout=30)
        finally:
            stop(server)
    return result


# ---------------------------------------------------------------- report


def mb(kb: int) -> str:
    return f"{kb / 1024:.1f}"


def print_pieces(pieces: dict) -> None:
    print("\n| step | PSS MB | + MB | anonymous MB | seconds | packages first imported |")
    print("|---|---:|---:|---:|---:|---|")
    previous = 0
    for row in pieces["rows"]:
        packages = ", ".join(row["new_packages"][:14]) + (f" (+{len(row['new_packages']) - 14})" if len(row["new_packages"]) > 14 else "")
        print(f"| {row['step']} | {mb(row['pss'])} | {mb(row['pss'] - previous)} | {mb(row['anonymous'])} | {row['seconds']} | {packages} |")
        previous = row["pss"]
    print("\nlargest mappings at the end (PSS MB): " + ", ".join(f"{Path(m['name']).name} {mb(m['pss'])}" for m in pieces["mappings"]))


def print_gunicorn(result: dict) -> None:
    for moment in ("after_warm_up", "after_searches", "after_workload"):
        memory = result[moment]
        workers = memory["workers"]
        per_worker = [worker["pss"] for worker in workers.values()]
        print(f"\n{moment}: master PSS {mb(memory['master']['pss'])} MB; total (master + {len(workers)} workers) {mb(memory['total_pss'])} MB")
        print("| worker pid | PSS MB | RSS MB | private MB | shared MB |")
        print("|---|---:|---:|---:|---:|")
        for pid, worker in sorted(workers.items()):
            print(f"| {pid} | {mb(worker['pss'])} | {mb(worker['rss'])} | {mb(worker['private'])} | {mb(worker['shared'])} |")
        if per_worker:
            print(f"| mean | {mb(sum(per_worker) / len(per_worker))} | | | |")
        if "largest_worker_kinds" in memory:
            kinds = memory["largest_worker_kinds"]
            print(f"worker {kinds['pid']}'s PSS by mapping (MB): " + ", ".join(f"{kind} {mb(kb)}" for kind, kb in kinds["pss_kb"].items()))
    print(f"\nsearches: {result['search_statuses']}, admin saves: {result['saves']}, workload {result['workload_seconds']} s")
    ordered = sorted(result["save_ms"])
    print(f"admin save (post to redirect) ms: median {ordered[len(ordered) // 2]}, three slowest {ordered[-3:]}, in order {result['save_ms']}")


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    total = int(re.search(r"MemTotal:\s*(\d+) kB", meminfo).group(1))
    return {"nproc": os.cpu_count(), "ram_gb": round(total / 1024**2, 1), "load_average": os.getloadavg(),
            "python": sys.version.split()[0]}  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("pieces", "gunicorn", "both"))
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data-dir", type=Path, help="an archive already built (migrated, imported, indexed, static collected)")
    where.add_argument("--archive", choices=("sample", "reuters"), help="build this archive in a fresh DATA_DIR under /tmp")
    parser.add_argument("--reuters-limit", type=int, help="only the first N Reuters articles (default all 21,578)")
    parser.add_argument("--keep", action="store_true", help="keep the DATA_DIR that --archive built")
    parser.add_argument("--searches", type=int, default=600, help="searches in each mode (default 600)")
    parser.add_argument("--words", type=int, default=300, help="distinct words the searches use (default 300)")
    parser.add_argument("--saves", type=int, default=20, help="admin saves in the gunicorn workload (default 20)")
    parser.add_argument("--threads", type=int, default=3, help="concurrent search clients (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)

    data_dir = args.data_dir or build_archive(args.archive, args.reuters_limit)
    report = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([".venv/bin/python", "bench/worker_memory.py", *(argv if argv is not None else sys.argv[1:])]),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip(),
        "dirty": bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()),
        "machine": machine(), "data_dir": str(data_dir),
    }  # fmt: skip
    try:
        with sqlite3.connect(f"file:{data_dir / 'newsarchive.sqlite3'}?mode=ro", uri=True) as db:
            report["articles"] = db.execute("SELECT COUNT(*) FROM articles_article").fetchone()[0]
        words = archive_words(data_dir, args.words, args.seed)
        report["words"] = len(words)
        print(f"archive {data_dir}: {report['articles']} articles, {len(words)} search words; load {report['machine']['load_average']}", flush=True)
        if args.mode in ("pieces", "both"):
            report["pieces"] = run_pieces(data_dir, words, args.searches, args.saves)
            print_pieces(report["pieces"])
        if args.mode in ("gunicorn", "both"):
            report["gunicorn"] = run_gunicorn(data_dir, words, args.searches, args.saves, args.threads, args.seed)
            print_gunicorn(report["gunicorn"])
        report["load_average_at_end"] = os.getloadavg()
        if args.out:
            args.out.write_text(json.dumps(report, indent=2, default=str))
            print(f"\nResults in {args.out}")
    finally:
        if args.archive and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--pieces-child"]:
        pieces_child(sys.argv[2])
    else:
        main()
