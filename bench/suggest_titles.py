"""Title completions (``/api/suggest``) at 100,000 articles: the time of ``title_suggestions``.

Builds (once, then reuses) a SQLite archive of generated articles in DATA_DIR: headlines and
bodies recombined from Reuters (``scale_set.scale_records``, seed 1, dates over 1990-2009),
written with ``bulk_create`` (no extraction, no index: suggestions read only the database), then
times, per typed prefix, the median of repeated calls: CPU time (``time.process_time``, steadier
on a shared machine) and wall time.

    .venv/bin/python bench/suggest_titles.py --data-dir /tmp/suggest-100k [--size 100000] [--repeat 21]
    bash .ci/postgres .venv/bin/python bench/suggest_titles.py --data-dir /tmp/suggest-pg --explain   # PostgreSQL

The "SQL" column is the database's part alone: ``newest_titles``'s query, compiled once, then
executed and fetched; the rest of ``title_suggestions`` is Django building that query and the
ten completions (date format, URL).

``--old`` also times the query title completion used before its indexed key (a case-insensitive
LIKE over the titles, newest first), on the same database. ``--migrate-only`` applies pending
migrations to an existing archive (timed, with the process's peak memory) and stops.
"""

import argparse
import os
import resource
import secrets
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(REPO_ROOT))

# One letter (no title completions), the commonest starts of two and three letters ("u." 4.6%,
# "co", "u.s"), common words, rare starts, and longer typing.
PREFIXES = ["c", "u.", "co", "u.s", "in", "oil", "japan", "bah", "oil pr", "interest rate", "zz", "zzz"]


def setup(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def migrate() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    return time.perf_counter() - started


def build(size: int) -> None:
    """``size`` generated articles, unless the archive already has them."""
    from datetime import datetime

    from articles.models import Article, LanguageOrigin
    from scale_set import load_corpus, scale_records

    have = Article.objects.count()
    if have >= size:
        return
    started = time.perf_counter()
    batch = []
    for number, record in enumerate(scale_records(load_corpus(), size, seed=1)):
        if number < have:
            continue
        batch.append(Article(
            title=record["title"], slug=f"scale-{number}", body=record["body"], source=record["source"],
            dateline=record["dateline"], url=record["url"],
            published_at=datetime.fromisoformat(record["published_at"].replace("Z", "+00:00")),
            language="en", language_origin=LanguageOrigin.RECORD,  # no detection: not what is measured
        ))
        if len(batch) == 2000:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum does soon after a large import
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Article._meta.db_table}")
    print(f"built {size:,} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def old_title_suggestions(typed: str) -> list:
    """``title_suggestions`` before the indexed key (commit e8f5ea4): the same completions built
    from a case-insensitive LIKE over the titles, newest first."""
    from articles.models import Article
    from search.suggestions import Suggestion, article_description

    rows = Article.objects.filter(title__istartswith=typed).order_by("-published_at")
    rows = rows.values_list("title", "slug", "published_at")
    return [
        Suggestion(title, article_description(published_at), Article(slug=slug).get_absolute_url())
        for title, slug, published_at in rows[:10]
    ]


def timed(function, typed: str, repeat: int) -> tuple[float, float, int]:
    """Median CPU ms, median wall ms, number of completions."""
    found = function(typed)  # warm: the page cache and the connection
    cpu, wall = [], []
    for _ in range(repeat):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        function(typed)
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000, len(found)


def sql_alone(typed: str):
    from django.db import connection

    from articles.title_keys import folded_title
    from search.suggestions import newest_titles

    sql, params = newest_titles(folded_title(typed)).query.sql_with_params()

    def run(_typed):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def matching(typed: str) -> int:
    from articles.models import Article
    from search.entity_names import folded

    return sum(1 for title in Article.objects.values_list("title", flat=True).iterator() if folded(title).startswith(folded(typed)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--old", action="store_true", help="also time the query before the indexed key")
    parser.add_argument("--migrate-only", action="store_true")
    parser.add_argument("--explain", action="store_true", help="print the query plan of a common and a rare prefix")
    parser.add_argument("--prefix", action="append", help="typed text to time (repeatable); default: a fixed list")
    args = parser.parse_args(argv)
    setup(args.data_dir)
    seconds = migrate()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"migrate: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB", file=sys.stderr)
    if args.migrate_only:
        return
    build(args.size)
    from django.db import connection

    from search.entity_names import folded
    from search.suggestions import MIN_TITLE_LENGTH, title_suggestions

    print(f"load average {os.getloadavg()}; {connection.vendor}, repeat {args.repeat}")
    if args.explain:
        from search.suggestions import newest_titles

        for typed in ("oil", "u."):
            print(f"plan for {typed!r}:\n{newest_titles(typed).explain()}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
                print(f"database collation {cursor.fetchone()[0]}")
    header = "| typed | titles starting so | new CPU / wall ms | SQL CPU / wall ms |" + (" old CPU / wall ms |" if args.old else "")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for typed in args.prefix or PREFIXES:
        cpu, wall, count = timed(title_suggestions, typed, args.repeat)
        row = f"| `{typed}` | {matching(typed):,} | {cpu:.2f} / {wall:.2f} |"
        if len(folded(typed)) >= MIN_TITLE_LENGTH:
            sql_cpu, sql_wall, _ = timed(sql_alone(typed), typed, args.repeat)
            row += f" {sql_cpu:.2f} / {sql_wall:.2f} |"
        else:
            row += " (no query) |"
        if args.old:
            old_cpu, old_wall, _ = timed(old_title_suggestions, typed, max(3, args.repeat // 3))
            row += f" {old_cpu:.1f} / {old_wall:.1f} |"
        print(row, flush=True)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
