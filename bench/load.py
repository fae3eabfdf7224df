"""Load benchmark: a mix of searches, facet clicks and article views against gunicorn, per worker count.

Imports the Reuters corpus (or, with ``--size 100000``, the generated set ``bench/run.py`` uses)
into a fresh DATA_DIR, then for each worker count starts gunicorn on 127.0.0.1 and runs wrk
(bounded in time, loopback only) with a fixed mix of request paths. Writes
bench/results/load.json (load-100000.json for the generated set); bench/report.py renders them
into docs/benchmarks.md.

    .venv/bin/python bench/load.py [--size 100000] [--workers 1 2 4] [--seconds 20] [--connections 8]

``--keep`` keeps the archive's DATA_DIR and ``--data-dir DIR`` measures one kept before instead
of importing again (100,000 articles take a quarter of an hour to import).
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from run import (BENCH_DIR, REUTERS_SIZE, SCALE_SIZE, archive_env, free_port, git_commit, machine, manage,
                 start_gunicorn, stop, wait_warmed_up)
from scale_set import load_corpus, reuters_records, scale_records, write_jsonl

WORDS = ["oil", "said", "bank", "trade", "coffee", "gold", "wheat", "dollar", "strike", "tax", "shipping", "yen"]
COUNT = "from articles.models import Article; print(Article.objects.count())"
SLUGS = "import json; from articles.models import Article; print(json.dumps(list(Article.objects.values_list('slug', flat=True))))"
FACETS = ("import json; from articles.models import Organisation; "
          "print(json.dumps(list(Organisation.objects.filter(articles__isnull=False).distinct().values_list('slug', flat=True))))")  # fmt: skip


def request_mix(slugs: list[str], organisations: list[str], seed: int = 1, size: int = 600) -> list[str]:
    """Half searches (with and without filters, some paged), a quarter facet clicks, a quarter article pages."""
    rng = random.Random(seed)
    countries = ["US", "GB", "JP", "DE", "FR", "CA", "BR", "AU"]
    paths = []
    for _ in range(size):
        roll = rng.random()
        if roll < 0.3:
            paths.append(f"/?q={rng.choice(WORDS)}")
        elif roll < 0.4:
            paths.append(f"/?q={rng.choice(WORDS)}&page={rng.randint(2, 5)}")
        elif roll < 0.5:
            paths.append(f"/api/search?q={rng.choice(WORDS)}+{rng.choice(WORDS)}")
        elif roll < 0.75:
            paths.append(f"/?country={rng.choice(countries)}&organisation={rng.choice(organisations)}")
        else:
            paths.append(f"/articles/{rng.choice(slugs)}/")
    return paths


def run_wrk(port: int, mix_file: Path, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(BENCH_DIR / "load.lua"),
         f"http://127.0.0.1:{port}", "--", str(mix_file)],
        capture_output=True, text=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    found = dict(re.findall(r"(\w+)=(\d+)", output.split("RESULT", 1)[1]))
    values = {key: int(value) for key, value in found.items()}
    return {
        "requests": values["requests"],
        "requests_per_s": round(values["requests"] / (values["duration_us"] / 1e6), 1),
        "errors": values["socket_errors"] + values["status_errors"],
        "p50_ms": values["p50_us"] / 1000, "p95_ms": values["p95_us"] / 1000, "p99_ms": values["p99_us"] / 1000,
        "max_ms": values["max_us"] / 1000,
    }  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 3, 4], help="none: only build (with --keep)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--size", type=int, choices=(REUTERS_SIZE, SCALE_SIZE), default=REUTERS_SIZE,
                        help="21578: the Reuters corpus; 100000: the generated set of bench/run.py (seed 1)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the archive's DATA_DIR under /tmp")
    parser.add_argument("--data-dir", type=Path, help="an archive kept by --keep, measured without importing again")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or BENCH_DIR / "results" / ("load.json" if args.size == REUTERS_SIZE else f"load-{args.size}.json")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; `make bench-load` does it)")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="newsarchive-load-", dir="/tmp"))
    report = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": git_commit(),
              "machine": machine(), "connections": args.connections, "seconds": args.seconds, "runs": [],
              "archive": "Reuters" if args.size == REUTERS_SIZE else "generated"}  # fmt: skip
    try:
        with open(data_dir / "load.log", "a") as log:
            env = archive_env(data_dir, free_port())
            source = data_dir / "articles.jsonl"
            if args.data_dir is None:
                corpus = load_corpus()
                records = reuters_records(corpus, REUTERS_SIZE) if args.size == REUTERS_SIZE else scale_records(corpus, args.size, 1)
                write_jsonl(records, source)
                for command in (("migrate", "--noinput", "-v0"), ("import_articles", str(source)), ("collectstatic", "--noinput", "-v0")):
                    manage(env, *command, log=log)
            report["articles"] = int(manage(env, "shell", "-v0", "-c", COUNT, log=log)[1])
            report["load_average_at_start"] = os.getloadavg()
            slugs = json.loads(manage(env, "shell", "-v0", "-c", SLUGS, log=log)[1])
            organisations = json.loads(manage(env, "shell", "-v0", "-c", FACETS, log=log)[1])
            mix_file = data_dir / "paths.txt"
            mix_file.write_text("\n".join(request_mix(slugs, organisations)) + "\n")
            for workers in args.workers:
                port = free_port()
                log.flush()
                offset = (data_dir / "load.log").stat().st_size
                server = start_gunicorn(env | {"PORT": str(port), "WEB_CONCURRENCY": str(workers)}, log)
                try:
                    wait_warmed_up(data_dir / "load.log", offset, workers)
                    run_wrk(port, mix_file, 3, args.connections)  # warm every worker's searcher and caches
                    result = {"workers": workers, **run_wrk(port, mix_file, args.seconds, args.connections)}
                finally:
                    stop(server)
                report["runs"].append(result)
                print(f"[load] {result}", flush=True)
                time.sleep(1)
            report["load_average_at_end"] = os.getloadavg()  # other work on the machine skews every figure
    finally:
        if not (args.keep or args.data_dir):
            shutil.rmtree(data_dir, ignore_errors=True)
        elif args.keep:
            print(f"Archive kept in {data_dir} (measure it again with --data-dir {data_dir})")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"Results in {out}")


if __name__ == "__main__":
    sys.exit(main())
