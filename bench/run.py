"""NewsArchive's benchmark: import, indexing and search at Reuters size and at 100,000 articles.

For each archive it makes a fresh DATA_DIR under /tmp, imports the articles with
``manage.py import_articles`` (extraction and indexing, timed), times ``rebuild_index``, measures
the index on disk, serves it with gunicorn on 127.0.0.1, and runs ``bench/measure.py`` for the
search latencies (in process and through gunicorn), the reference engines and save-to-findable.

    .venv/bin/python bench/run.py                      # both archives, ~20 minutes on 2 cores
    .venv/bin/python bench/run.py --size 21578         # the Reuters archive only
    .venv/bin/python bench/run.py --quick              # 2,000 Reuters + 5,000 generated, < 3 minutes
    .venv/bin/python bench/report.py bench/results/full.json   # writes docs/benchmarks.md
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from scale_set import load_corpus, reuters_records, scale_records, write_jsonl  # noqa: E402
from traffic import SearchTraffic, totals  # noqa: E402

REUTERS_SIZE = 21578
SCALE_SIZE = 100_000
MILLION = 1_000_000  # make bench-1m: outside make bench and CI (hours of import)
PACKAGES = ("Django", "django-haystack", "Whoosh-Reloaded", "numpy", "gunicorn", "tantivy")


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    memory = re.search(r"MemTotal:\s*(\d+) kB", meminfo)
    import sqlite3

    return {
        "cpu": model.group(1).strip() if model else platform.processor(),
        "cores": os.cpu_count(),
        "ram_gb": round(int(memory.group(1)) / 1024**2, 1) if memory else None,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {name: metadata.version(name) for name in PACKAGES},
    }


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT, capture_output=True, text=True).stdout
        return head + ("+uncommitted changes" if dirty.strip() else "")
    except OSError:
        return "unknown"


def archive_env(data_dir: Path, port: int) -> dict:
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "newsarchive.settings", "DATA_DIR": str(data_dir), "SECRET_KEY": secrets.token_urlsafe(40),
        "SECURE_SSL_REDIRECT": "0", "DEBUG": "0", "PORT": str(port), "HOST": "127.0.0.1", "GUNICORN_ACCESS_LOG": "",
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip


def manage(env, *args, log) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    log.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env, log) -> subprocess.Popen:
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"], cwd=REPO_ROOT,
                              env=env, stdout=log, stderr=log, start_new_session=True)  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", int(env["PORT"])), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited at startup; see the log")
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


def wait_warmed_up(log_path: Path, offset: int, workers: int, timeout: float = 300) -> None:
    """Until ``workers`` workers have logged the end of their warm-up (newsarchive/warmup.py) in
    the log after ``offset``: a request sent before queues behind the warm-up (at 100,000 articles
    three workers warming at once outlasted load.py's wrk warm-up), and a worker that waits for
    the extraction store holds its memory still (worker_memory.py)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(log_path, "rb") as log:
            log.seek(offset)
            if len(re.findall(rb"Worker warmed up in|Worker not warmed up", log.read())) >= workers:
                return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn's {workers} workers did not warm up within {timeout:.0f} s; see {log_path}")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def live_index_mb(index_dir: Path, part: str = "") -> float:
    """The size of the live index generation (a rebuild leaves the one it replaced until no worker
    reads it), or of its folder ``part`` (``arrays``: what the workers share, search/engine/shared_arrays.py)."""
    live = index_dir / os.readlink(index_dir / "current") if (index_dir / "current").is_symlink() else index_dir
    return round(sum(f.stat().st_size for f in (live / part).rglob("*") if f.is_file()) / 1e6, 1)


def bench_archive(name: str, records, args, measure_args: list[str]) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"newsarchive-bench-{name}-", dir="/tmp"))
    port = free_port()
    env = archive_env(data_dir, port)
    log_path = data_dir / "bench.log"
    result = {"name": name, "data_dir": str(data_dir), "load_average_at_start": os.getloadavg()}
    try:
        with open(log_path, "a") as log:
            source = data_dir / "articles.jsonl"
            started = time.perf_counter()
            result["articles"] = write_jsonl(records, source)
            print(f"[{name}] {result['articles']} articles written in {time.perf_counter() - started:.1f} s", flush=True)
            manage(env, "migrate", "--noinput", "-v0", log=log)
            manage(env, "collectstatic", "--noinput", "-v0", log=log)  # the admin pages need it with DEBUG off

            seconds, output = manage(env, "import_articles", str(source), log=log)
            result["import"] = {"seconds": round(seconds, 1), "articles_per_s": round(result["articles"] / seconds, 1),
                                "command_summary": output.strip().splitlines()[-1] if output.strip() else ""}  # fmt: skip
            print(f"[{name}] import: {result['import']}", flush=True)

            index_dir = data_dir / "whoosh_index"
            result["index_mb_after_import"] = live_index_mb(index_dir)
            # The rebuild runs while gunicorn answers steady searches from the live index. The
            # totals before it are asked once every worker has warmed up: at a million articles
            # three workers opening a new index at once outlasted the first probe's 30 s.
            workers = int(env.get("WEB_CONCURRENCY", os.cpu_count() + 1))
            offset = log_path.stat().st_size
            server = start_gunicorn(env, log)
            try:
                wait_warmed_up(log_path, offset, workers)
                traffic = SearchTraffic(port, totals(port))
                traffic.start()
                seconds, _ = manage(env, "rebuild_index", "--noinput", log=log)
                result["rebuild_under_traffic"] = traffic.stop()
            finally:
                stop(server)
            result["rebuild"] = {"seconds": round(seconds, 1), "articles_per_s": round(result["articles"] / seconds, 1)}
            print(f"[{name}] searches during the rebuild: {result['rebuild_under_traffic']}", flush=True)
            result["index_mb"] = live_index_mb(index_dir)
            result["index_arrays_mb"] = live_index_mb(index_dir, "arrays")  # part of index_mb
            result["database_mb"] = round((data_dir / "newsarchive.sqlite3").stat().st_size / 1e6, 1)
            print(f"[{name}] rebuild_index: {result['rebuild']}, index {result['index_mb']} MB", flush=True)

            offset = log_path.stat().st_size
            server = start_gunicorn(env, log)
            result["gunicorn_workers"] = workers
            try:
                wait_warmed_up(log_path, offset, workers)
                part = data_dir / "measure.json"
                command = [sys.executable, str(BENCH_DIR / "measure.py"), "--port", str(port), "--out", str(part), *measure_args]
                done = subprocess.run(command, cwd=REPO_ROOT, env=env, stderr=log)
                if done.returncode != 0:
                    raise SystemExit(f"bench/measure.py failed for {name}; see {log_path}")
                result.update(json.loads(part.read_text()))
            finally:
                stop(server)
        result["load_average_at_end"] = os.getloadavg()  # other work on the machine skews every figure
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, action="append", choices=(REUTERS_SIZE, SCALE_SIZE, MILLION),
                        help="archive(s) to run: 21578 (Reuters), 100000 and 1000000 (generated); default the first two")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="2,000 Reuters and 5,000 generated articles, fewer requests")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep each archive's DATA_DIR under /tmp")
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results/quick.json or full.json)")
    args = parser.parse_args(argv)
    sizes = args.size or [REUTERS_SIZE, SCALE_SIZE]
    out = args.out or BENCH_DIR / "results" / ("quick.json" if args.quick else "full.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.quick:
        reuters_n, scale_n, per_class, repeats, saves, extraction = 2000, 5000, 10, 2, 6, 2000
    else:
        reuters_n, scale_n, per_class, repeats, saves, extraction = REUTERS_SIZE, SCALE_SIZE, 30, 3, 60, 0

    corpus = load_corpus()
    report = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([".venv/bin/python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "quick": args.quick, "seed": args.seed, "commit": git_commit(), "machine": machine(), "archives": [],
    }  # fmt: skip
    common = ["--per-class", str(per_class), "--repeats", str(repeats), "--saves", str(saves), "--seed", str(args.seed)]
    started = time.perf_counter()
    if REUTERS_SIZE in sizes:
        name = "reuters" if not args.quick else f"reuters-{reuters_n}"
        records = reuters_records(corpus, reuters_n)
        report["archives"].append(bench_archive(name, records, args, [*common, "--extraction", str(extraction)]))
        out.write_text(json.dumps(report, indent=2))
    for size in sorted(set(sizes) - {REUTERS_SIZE}):  # generated sets, each the same way (bench/scale_set.py)
        size = scale_n if size == SCALE_SIZE else size  # --quick makes the 100,000 set 5,000
        report["archives"].append(bench_archive(f"generated-{size}", scale_records(corpus, size, args.seed), args, common))
        out.write_text(json.dumps(report, indent=2))
    report["seconds"] = round(time.perf_counter() - started, 1)
    out.write_text(json.dumps(report, indent=2))
    print(f"Results in {out} ({report['seconds']:.0f} s). Render with: .venv/bin/python bench/report.py {out}")


if __name__ == "__main__":
    main()
