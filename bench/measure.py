"""The in-process half of the benchmark: one archive, already imported and indexed, in DATA_DIR.

Run by ``bench/run.py`` with the archive's settings in the environment and gunicorn already
serving it on ``--port``. It draws the request classes from the archive's own vocabulary, times
them through ``run_search`` and through gunicorn's ``/api/search``, loads the same articles and
tags into tantivy and SQLite FTS5 and times the same requests there, checks that the totals
agree, times an article save until the article is findable, and profiles the slowest class.
Writes one JSON object to ``--out``.
"""

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent), str(BENCH_DIR)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.utils import timezone  # noqa: E402
from whoosh.analysis import STOP_WORDS  # noqa: E402

from articles.models import Article, ArticleCountry, ArticleOperation, ArticleOrganisation  # noqa: E402
from reference_engines import Fts5Engine, Request, TantivyEngine  # noqa: E402
from search.forms import SearchForm  # noqa: E402
from search.service import run_search  # noqa: E402

CLASSES = ("common_word", "two_rare_words", "browse_newest", "word_two_filters")
FACET_OF = {"countries": "country", "organisations": "organisation", "operations": "operation"}
WORD = re.compile(r"[a-z]{3,}")
COMMON_WORD = re.compile(r"[a-z]{4,}")  # shorter words stem into stop words differently in each engine


def percentiles(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2), "max": round(ordered[-1], 2), "n": len(ordered)}


def archive_documents() -> list[dict]:
    """Every article with the text, date and tags that NewsArchive indexes."""
    tags = {name: {} for name in FACET_OF}
    for name, model, column in (("countries", ArticleCountry, "country__code"),
                                ("organisations", ArticleOrganisation, "organisation__slug"),
                                ("operations", ArticleOperation, "operation__slug")):  # fmt: skip
        for article_id, value in model.objects.values_list("article_id", column):
            tags[name].setdefault(article_id, []).append(value)
    docs = []
    rows = Article.objects.order_by("pk").values_list("pk", "title", "summary", "body", "published_at")
    for pk, title, summary, body, published in rows.iterator(chunk_size=5000):
        docs.append({
            "id": pk, "title": title, "text": "\n\n".join(part for part in (title, summary, body) if part),
            "published": int(published.timestamp()), "year": f"{published:%Y}",
            **{name: sorted(tags[name].get(pk, [])) for name in FACET_OF},
        })  # fmt: skip
    return docs


def request_classes(docs: list[dict], per_class: int, seed: int) -> dict[str, list[dict]]:
    """Requests drawn deterministically from the archive's own words and tags."""
    rng = random.Random(seed)
    doc_words = [set(WORD.findall(doc["text"].lower())) - STOP_WORDS for doc in docs]
    frequency = Counter(word for words in doc_words for word in words)
    ranked = [word for word, _ in frequency.most_common(4 * per_class) if COMMON_WORD.fullmatch(word) and word not in ("said", "oil")]
    common = ["said", "oil"] + ranked
    classes = {"common_word": [{"q": word} for word in common[:per_class]]}

    rare, tries = [], 0
    while len(rare) < per_class and tries < 100 * per_class:
        tries += 1
        words = sorted(word for word in doc_words[rng.randrange(len(docs))] if 2 <= frequency[word] <= 30)
        if len(words) >= 2:
            query = " ".join(rng.sample(words, 2))
            if {"q": query} not in rare:
                rare.append({"q": query})
    classes["two_rare_words"] = rare
    classes["browse_newest"] = [{"sort": "newest"}] * per_class

    filtered, tries = [], 0
    tagged = [n for n, doc in enumerate(docs) if doc["countries"] and doc["organisations"]]
    while tagged and len(filtered) < per_class and tries < 100 * per_class:
        tries += 1
        n = rng.choice(tagged)
        words = sorted(word for word in doc_words[n] if 50 <= frequency[word] <= len(docs) // 4)
        if words:
            request = {"q": rng.choice(words), "country": docs[n]["countries"][0], "organisation": docs[n]["organisations"][0]}
            if request not in filtered:
                filtered.append(request)
    classes["word_two_filters"] = filtered
    return classes


def reference_request(request: dict) -> Request:
    filters = {}
    if "country" in request:
        filters["countries"] = (request["country"],)
    if "organisation" in request:
        filters["organisations"] = (request["organisation"],)
    return Request(words=tuple(request.get("q", "").split()), filters=filters, sort=request.get("sort", "relevance"))


def ours(request: dict):
    return run_search(SearchForm(QueryDict(urlencode(request))).search_params())


class Gunicorn:
    def __init__(self, port: int):
        self.port = port

    def get(self, request: dict) -> dict:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request("GET", "/api/search?" + urlencode(request), headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"/api/search?{urlencode(request)} answered {response.status}")
        return json.loads(body)


def timed_runs(classes, repeats, call) -> tuple[dict, dict]:
    """Each class's requests, ``repeats`` passes; returns latencies and each request's total."""
    latencies, totals = {}, {}
    for name, requests in classes.items():
        samples = []
        for _ in range(repeats):
            for number, request in enumerate(requests):
                started = time.perf_counter()
                total = call(request)
                samples.append((time.perf_counter() - started) * 1000)
                totals.setdefault(name, {})[number] = total
        latencies[name] = percentiles(samples) if samples else None
    return latencies, totals


def facet_dicts(result) -> dict:
    by_name = {facet.name: {value.value: value.count for value in facet.values} for facet in result.facets}
    return {"year": by_name["date"], **{field: by_name[name] for field, name in FACET_OF.items()}}


def compare(classes, engine, our_answers) -> list[str]:
    """Totals that differ from ours, and facet counts that differ for the values we show."""
    problems = []
    for name, requests in classes.items():
        for number, request in enumerate(requests[:10] if name == "browse_newest" else requests):
            answer = engine.search(reference_request(request))
            total, facets = our_answers[name][number]
            if answer.total != total:
                problems.append(f"{name} {urlencode(request)}: total ours {total}, {engine.name} {answer.total}")
                continue
            for field, counts in facets.items():
                wrong = {value: (count, answer.facets[field].get(value)) for value, count in counts.items()
                         if answer.facets[field].get(value) != count}  # fmt: skip
                if wrong:
                    problems.append(f"{name} {urlencode(request)}: {field} facet (ours, {engine.name}) {dict(list(wrong.items())[:3])}")
            if name == "browse_newest":
                break
    return problems


def save_to_findable(gunicorn: Gunicorn, saves: int) -> dict:
    """Save an article through the ORM (the signal path indexes it on commit) and poll until found."""
    in_process, end_to_end = [], []
    for number in range(saves):
        word = "zqbench" + "".join(chr(97 + int(digit)) for digit in f"{time.time_ns() % 10**9:09d}") + "x"
        started = time.perf_counter()
        with transaction.atomic():
            Article.objects.create(title=f"Benchmark {word} saved", slug=f"bench-{word}", body=f"The {word} body.",
                                   published_at=timezone.now(), source="bench")  # fmt: skip
        committed = time.perf_counter()
        deadline = committed + 30
        while gunicorn.get({"q": word})["total"] < 1:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"saved article {word} not findable after 30 s")
            time.sleep(0.005)
        found = time.perf_counter()
        if ours({"q": word}).total != 1:
            raise RuntimeError(f"saved article {word} not found in process")
        in_process.append((committed - started) * 1000)
        end_to_end.append((found - started) * 1000)
    return {"save_and_index_ms": percentiles(in_process), "findable_through_gunicorn_ms": percentiles(end_to_end)}


def extraction_throughput(limit: int | None) -> dict:
    from articles.tagging import entity_matcher
    from scale_set import load_corpus

    corpus = load_corpus()[:limit]
    matcher = entity_matcher()
    started = time.perf_counter()
    for article in corpus:
        matcher.extract(article["title"], article["body"], article.get("dateline") or "")
    seconds = time.perf_counter() - started
    return {"articles": len(corpus), "seconds": round(seconds, 2), "articles_per_s": round(len(corpus) / seconds, 1)}


def profile_class(requests, top: int = 25) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for request in requests:
        ours(request)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(15)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


def directory_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6, 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--per-class", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--extraction", type=int, default=-1, help="articles to extract for throughput; -1 none, 0 all")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    result = {}

    started = time.perf_counter()
    docs = archive_documents()
    classes = request_classes(docs, args.per_class, args.seed)
    result["requests"] = {name: requests[:5] for name, requests in classes.items()}
    result["request_counts"] = {name: len(requests) for name, requests in classes.items()}
    result["documents"] = len(docs)
    print(f"  {len(docs)} documents read, requests drawn in {time.perf_counter() - started:.1f} s", flush=True)

    started = time.perf_counter()
    ours({"q": "said"})
    result["ours_first_request_ms"] = round((time.perf_counter() - started) * 1000, 1)  # opens the searcher, builds caches
    for requests in classes.values():
        ours(requests[0])
    our_answers = {}

    def call_ours(request):
        answer = ours(request)
        our_answers.setdefault(name_of[id(request)], []).append((answer.total, facet_dicts(answer)))
        return answer.total

    name_of = {id(request): name for name, requests in classes.items() for request in requests}
    result["ours_function"], ours_totals = timed_runs(classes, args.repeats, call_ours)
    our_answers = {name: answers[: len(classes[name])] for name, answers in our_answers.items()}
    print(f"  run_search: {result['ours_function']}", flush=True)

    gunicorn = Gunicorn(args.port)
    for _ in range(3):
        for requests in classes.values():
            gunicorn.get(requests[0])
    result["ours_gunicorn"], gunicorn_totals = timed_runs(classes, args.repeats, lambda r: gunicorn.get(r)["total"])
    result["gunicorn_total_mismatches"] = [
        f"{name} #{n}" for name in classes for n in ours_totals.get(name, {}) if ours_totals[name][n] != gunicorn_totals[name][n]
    ]
    print(f"  gunicorn: {result['ours_gunicorn']}", flush=True)

    with tempfile.TemporaryDirectory(prefix="newsarchive-refs-", dir="/tmp") as work:
        for engine in (TantivyEngine(Path(work) / "tantivy"), Fts5Engine(Path(work) / "fts5.sqlite3")):
            load_seconds = engine.load(docs)
            size = directory_mb(Path(work) / "tantivy") if engine.name == "tantivy" else round(os.path.getsize(Path(work) / "fts5.sqlite3") / 1e6, 1)
            for requests in classes.values():
                engine.search(reference_request(requests[0]))
            latencies, _ = timed_runs(classes, args.repeats, lambda r: engine.search(reference_request(r)).total)
            mismatches = compare(classes, engine, our_answers)
            result[engine.name] = {"load_seconds": round(load_seconds, 1), "index_mb": size, "latency": latencies,
                                   "mismatches": len(mismatches), "mismatch_examples": mismatches[:12]}  # fmt: skip
            print(f"  {engine.name}: load {load_seconds:.1f} s, {latencies}, {len(mismatches)} mismatches", flush=True)
            if engine.name == "fts5":
                engine.db.close()

    slowest = max(CLASSES, key=lambda name: result["ours_function"][name]["p95"])
    result["profile"] = {"class": slowest, "requests": len(classes[slowest]), "text": profile_class(classes[slowest])}

    result["save_to_findable"] = save_to_findable(gunicorn, args.saves)
    print(f"  save to findable: {result['save_to_findable']}", flush=True)
    if args.extraction >= 0:
        result["extraction"] = extraction_throughput(args.extraction or None)
        print(f"  extraction: {result['extraction']}", flush=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
