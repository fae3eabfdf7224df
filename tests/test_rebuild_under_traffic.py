"""rebuild_index under steady search traffic on real gunicorn: no answer is ever empty or partial.

A client polls the JSON API (a word search and the whole archive browsed) while ``rebuild_index``
runs in a process of its own, as an operator runs it, and until the workers serve the new index.
"""

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.servers import ROOT, gunicorn, manage, production_env

pytestmark = [pytest.mark.slow, pytest.mark.archive_engine]

ARTICLES = 3000
POLL_SECONDS = 0.05
QUERIES = {"word": "/api/search?q=cartel", "all": "/api/search"}

# Articles made in bulk, not imported: an import extracts tags, which this test does not need.
GENERATE = f"""
import random
from datetime import datetime, timedelta, timezone
from articles.models import Article
rng = random.Random(5)
words = "police hackers ministry arrests servers leak statement court market shares".split()
start = datetime(1987, 2, 26, tzinfo=timezone.utc)
Article.objects.bulk_create(
    Article(title=f"Wire story {{n}}" + (" on the cartel" if n % 3 == 0 else ""), slug=f"wire-story-{{n}}",
            body=" ".join(rng.choice(words) for _ in range(150)), source="Wire",
            published_at=start + timedelta(hours=n))
    for n in range({ARTICLES})
)
"""


def answer(url: str) -> tuple[int, int | None]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())["total"]
    except urllib.error.HTTPError as error:
        return error.code, None


def generation(base: str) -> str:
    with urllib.request.urlopen(base + "/healthz", timeout=30) as response:
        return json.loads(response.read())["index_status"]["generation"]


def test_a_rebuild_under_search_traffic_never_answers_empty_or_partial(tmp_path):
    env = production_env(tmp_path / "data")
    env.pop("DATABASE_URL", None)
    manage(env, "migrate", "--noinput", check=True)
    manage(env, "shell", "-v", "0", "-c", GENERATE, check=True)
    manage(env, "rebuild_index", "--noinput", check=True)
    expected = {"word": ARTICLES // 3, "all": ARTICLES}

    with gunicorn(env, workers=2) as (base, _):
        old_generation = generation(base)
        answers = []  # (during the rebuild, query, status, total)
        rebuilding = threading.Event()
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                for name, path in QUERIES.items():
                    during = rebuilding.is_set()
                    answers.append((during, name, *answer(base + path)))
                time.sleep(POLL_SECONDS)

        poller = threading.Thread(target=poll)
        poller.start()
        try:
            time.sleep(1.0)  # traffic before the rebuild too
            rebuilding.set()
            started = time.monotonic()
            rebuild = subprocess.run([sys.executable, "manage.py", "rebuild_index", "--noinput", "--batch-size", "250"],
                                     cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
            rebuild_seconds = time.monotonic() - started
            rebuilding.clear()
            time.sleep(2.0)  # traffic after the switch too
            new_generation = generation(base)
        finally:
            stop.set()
            poller.join(timeout=60)

    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    during = [a for a in answers if a[0]]
    print(f"\n{len(during)} answers checked during a {rebuild_seconds:.1f} s rebuild of {ARTICLES} articles, "
          f"{len(answers)} in all")  # fmt: skip
    wrong = [a for a in answers if a[2] != 200 or a[3] != expected[a[1]]]
    assert not wrong, (len(wrong), wrong[:10])
    assert len(during) >= 20, "too few answers during the rebuild to tell"
    assert new_generation != old_generation
