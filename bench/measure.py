"""The in-process half of the benchmark: one archive, already imported and indexed, in DATA_DIR.

Run by ``bench/run.py`` with the archive's settings in the environment and gunicorn already
serving it on ``--port``. It draws the request classes from the archive's own vocabulary, times
them through ``run_search`` and through gunicorn's ``/api/search``, times related articles
(``related_articles`` and ``/api/articles/<slug>/related``; the reference engines have no
more-like-this, so only ours), loads the same articles and tags into tantivy and SQLite FTS5 and
times the same requests there (tantivy's interleaved with ``run_search``'s, pass by pass, the
engine's own calls within ``run_search`` timed apart: ``timing.EngineClock``), checks
that the totals agree, profiles the slowest class, and times saves in the admin (new articles and
edits) until the search API finds them. Writes one JSON object to ``--out``.
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
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import lxml.html

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent), str(BENCH_DIR)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

import django  # noqa: E402

django.setup()

from django.http import QueryDict  # noqa: E402
from django.utils import timezone  # noqa: E402
from haystack import connections  # noqa: E402
from whoosh.analysis import STOP_WORDS  # noqa: E402

from articles.models import Article, ArticleCountry, ArticleOperation, ArticleOrganisation  # noqa: E402
from page_cache import read_into_page_cache  # noqa: E402
from reference_engines import Fts5Engine, Request, TantivyEngine  # noqa: E402
from timing import EngineClock, percentiles, timed_runs, timed_together  # noqa: E402
from search.forms import SearchForm  # noqa: E402
from search.related import related_articles  # noqa: E402
from search.service import run_search  # noqa: E402

CLASSES = ("common_word", "two_rare_words", "browse_newest", "word_two_filters")
RELATED = "related"  # a request class of ours alone: articles whose related articles are asked for
FACET_OF = {"countries": "country", "organisations": "organisation", "operations": "operation"}
WORD = re.compile(r"[a-z]{3,}")
COMMON_WORD = re.compile(r"[a-z]{4,}")  # shorter words stem into stop words differently in each engine


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


def related_requests(docs: list[dict], per_class: int, seed: int) -> list[dict]:
    """Articles drawn deterministically, as their pages would ask for their related articles."""
    ids = random.Random(seed).sample([doc["id"] for doc in docs], min(per_class, len(docs)))
    slugs = dict(Article.objects.filter(pk__in=ids).values_list("pk", "slug"))
    return [{"slug": slugs[pk]} for pk in ids]


def ours_related(request: dict) -> int:
    """As the API does: the article by its slug, then its related articles; their number."""
    return len(related_articles(Article.objects.get(slug=request["slug"])))


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
        return self.get_json("/api/search?" + urlencode(request))

    def page(self, request: dict) -> int:
        """The HTML search page a person sees (facets, timeline, links): its size in bytes."""
        return len(self.get_body("/?" + urlencode(request)))

    def related(self, request: dict) -> dict:
        return self.get_json(f"/api/articles/{request['slug']}/related")

    def get_json(self, path: str) -> dict:
        return json.loads(self.get_body(path))

    def get_body(self, path: str) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        return body


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


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 after a save is the answer; the change list it points to is another page


class AdminEditor:
    """An editor in the Django admin over real HTTP: logs in, fills a form as the page gives it, saves."""

    def __init__(self, port: int, username: str, password: str):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirects())
        self.submit("/admin/login/?next=/admin/", {"username": username, "password": password})

    def submit(self, path: str, changes: dict) -> str:
        return self.post(path, self.form(path, changes))

    def form(self, path: str, changes: dict) -> dict:
        """The values of the page's main form, with ``changes``: what the editor sends on Save."""
        page = self.opener.open(self.base + path, timeout=60).read()
        form = max((f for f in lxml.html.fromstring(page).forms if f.method.upper() == "POST"), key=lambda f: len(f.inputs))
        return dict(form.form_values()) | changes

    def post(self, path: str, values: dict) -> str:
        """Post a form; returns where the admin redirects to ("" if it answered with a page)."""
        request = urllib.request.Request(self.base + path, urlencode(values).encode(), method="POST")
        try:
            self.opener.open(request, timeout=60).read()
            return ""
        except urllib.error.HTTPError as answer:
            if answer.code != 302:
                raise
            return answer.headers["Location"]


def save_to_findable(gunicorn: Gunicorn, saves: int, seed: int) -> dict:
    """Save articles in the admin through gunicorn, half new and half edits of archive articles,
    and poll the search API until each saved word is found. The clock starts when the form is
    posted: the save, the index commit in the worker and the first search that finds it."""
    from django.contrib.auth import get_user_model

    password = secrets.token_urlsafe(16)
    user, _ = get_user_model().objects.get_or_create(username="bench-editor", defaults={"is_staff": True, "is_superuser": True})
    user.set_password(password)
    user.save()
    editor = AdminEditor(gunicorn.port, "bench-editor", password)
    edit_ids = random.Random(seed).sample(list(Article.objects.values_list("pk", flat=True)), saves)
    timings = {"new": [], "edit": [], "admin_post": []}
    for number in range(saves):
        word = "zqbench" + "".join(chr(97 + int(digit)) for digit in f"{time.time_ns() % 10**9:09d}") + "x"
        kind = "new" if number % 2 == 0 else "edit"
        if kind == "new":
            path = "/admin/articles/article/add/"
            values = editor.form(path, {
                "title": f"Benchmark {word} saved", "slug": f"bench-{word}", "body": f"The {word} body, saved in the admin.",
                "published_at_0": timezone.now().strftime("%Y-%m-%d"), "published_at_1": "12:00:00", "source": "bench"})  # fmt: skip
        else:
            article = Article.objects.get(pk=edit_ids[number])
            path = f"/admin/articles/article/{article.pk}/change/"
            values = editor.form(path, {"title": f"{article.title[:200]} {word}"})
        started = time.perf_counter()  # the editor presses Save
        where = editor.post(path, values)
        posted = time.perf_counter()
        if not where.endswith("/admin/articles/article/"):
            raise RuntimeError(f"the admin did not save ({kind}): it answered {where}")
        deadline = posted + 30
        while gunicorn.get({"q": word})["total"] < 1:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"article saved with {word} not findable after 30 s")
            time.sleep(0.005)
        found = time.perf_counter()
        if ours({"q": word}).total != 1:
            raise RuntimeError(f"saved article {word} not found in process")
        timings[kind].append((found - started) * 1000)
        timings["admin_post"].append((posted - started) * 1000)
    return {
        "saves": saves,
        "admin_post_ms": percentiles(timings["admin_post"]),
        "findable_new_ms": percentiles(timings["new"]),
        "findable_edit_ms": percentiles(timings["edit"]),
        "findable_through_gunicorn_ms": percentiles(timings["new"] + timings["edit"]),
    }


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


def our_files() -> list[str]:
    """The index and the database the site reads (the database where it is a file)."""
    from django.conf import settings

    paths = [path] if (path := settings.HAYSTACK_CONNECTIONS["default"].get("PATH")) else []
    database = str(settings.DATABASES["default"].get("NAME") or "")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and os.path.isfile(database):
        paths.append(database)
    return paths


def reference_result(engine, load_seconds: float, index_mb: float, latencies: dict, mismatches: list[str]) -> dict:
    """A reference engine's part of the results, printed as the run goes."""
    print(f"  {engine.name}: load {load_seconds:.1f} s, {latencies}, {len(mismatches)} mismatches", flush=True)
    return {"load_seconds": round(load_seconds, 1), "index_mb": index_mb, "latency": latencies,
            "mismatches": len(mismatches), "mismatch_examples": mismatches[:12]}  # fmt: skip


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
    related = {RELATED: related_requests(docs, args.per_class, args.seed)}
    result["requests"] = {name: requests[:5] for name, requests in (classes | related).items()}
    result["request_counts"] = {name: len(requests) for name, requests in (classes | related).items()}
    result["documents"] = len(docs)
    print(f"  {len(docs)} documents read, requests drawn in {time.perf_counter() - started:.1f} s", flush=True)

    from newsarchive.warmup import warm_up

    started = time.perf_counter()
    warm_up()  # as gunicorn warms each worker before its first request (gunicorn.conf.py)
    result["ours_warm_up_ms"] = round((time.perf_counter() - started) * 1000, 1)
    started = time.perf_counter()
    ours({"q": "said"})
    result["ours_first_request_ms"] = round((time.perf_counter() - started) * 1000, 1)  # after the warm-up
    for requests in classes.values():
        ours(requests[0])
    our_answers = {}
    engine_ms = {}  # by class: the time each request spent in the engine's own calls
    engine_clock = EngineClock(type(connections["default"].get_backend()))

    def call_ours(request):
        engine_clock.take()
        answer = ours(request)
        name = name_of[id(request)]
        engine_ms.setdefault(name, []).append(engine_clock.take())
        our_answers.setdefault(name, []).append((answer.total, facet_dicts(answer)))
        return answer.total

    name_of = {id(request): name for name, requests in classes.items() for request in requests}
    # tantivy, the reference of the targets, is timed with ours, pass by pass (``timed_together``).
    references = tempfile.TemporaryDirectory(prefix="newsarchive-refs-", dir="/tmp")
    work = Path(references.name)
    tantivy = TantivyEngine(work / "tantivy")
    tantivy_load = tantivy.load(docs)
    for requests in classes.values():
        tantivy.search(reference_request(requests[0]))
    read_into_page_cache(*our_files(), work / "tantivy")
    with engine_clock:
        latencies, totals = timed_together(
            classes, args.repeats, {"ours": call_ours, "tantivy": lambda r: tantivy.search(reference_request(r)).total}
        )
    result["ours_function"], ours_totals = latencies["ours"], totals["ours"]
    result["ours_engine"] = {name: percentiles(engine_ms[name]) for name in classes}
    print(f"  engine (haystack backend calls): {result['ours_engine']}", flush=True)
    our_answers = {name: answers[: len(classes[name])] for name, answers in our_answers.items()}
    ours_related(related[RELATED][0])
    related_latency, related_totals = timed_runs(related, args.repeats, ours_related)
    result["ours_function"] |= related_latency
    print(f"  run_search: {result['ours_function']}", flush=True)
    result["tantivy"] = reference_result(tantivy, tantivy_load, directory_mb(work / "tantivy"), latencies["tantivy"],
                                         compare(classes, tantivy, our_answers))  # fmt: skip

    gunicorn = Gunicorn(args.port)
    read_into_page_cache(*our_files())
    for _ in range(3):
        for requests in classes.values():
            gunicorn.get(requests[0])
    result["ours_gunicorn"], gunicorn_totals = timed_runs(classes, args.repeats, lambda r: gunicorn.get(r)["total"])
    gunicorn.related(related[RELATED][0])
    related_latency, related_gunicorn_totals = timed_runs(related, args.repeats, lambda r: len(gunicorn.related(r)["results"]))
    result["ours_gunicorn"] |= related_latency
    ours_totals |= related_totals
    gunicorn_totals |= related_gunicorn_totals
    result["gunicorn_total_mismatches"] = [
        f"{name} #{n}" for name in ours_totals for n in ours_totals[name] if ours_totals[name][n] != gunicorn_totals[name][n]
    ]
    print(f"  gunicorn: {result['ours_gunicorn']}", flush=True)
    read_into_page_cache(*our_files())
    for requests in classes.values():
        gunicorn.page(requests[0])
    result["ours_gunicorn_page"], _ = timed_runs(classes, args.repeats, gunicorn.page)
    print(f"  gunicorn, HTML page: {result['ours_gunicorn_page']}", flush=True)

    fts5 = Fts5Engine(work / "fts5.sqlite3")  # far slower than both for common words: timed on its own
    load_seconds = fts5.load(docs)
    read_into_page_cache(work / "fts5.sqlite3")
    for requests in classes.values():
        fts5.search(reference_request(requests[0]))
    latencies, _ = timed_runs(classes, args.repeats, lambda r: fts5.search(reference_request(r)).total)
    result["fts5"] = reference_result(fts5, load_seconds, round(os.path.getsize(work / "fts5.sqlite3") / 1e6, 1), latencies,
                                      compare(classes, fts5, our_answers))  # fmt: skip
    fts5.db.close()
    del tantivy
    references.cleanup()

    slowest = max(CLASSES, key=lambda name: result["ours_function"][name]["p95"])
    result["profile"] = {"class": slowest, "requests": len(classes[slowest]), "text": profile_class(classes[slowest])}

    result["save_to_findable"] = save_to_findable(gunicorn, args.saves, args.seed)
    print(f"  save to findable: {result['save_to_findable']}", flush=True)
    if args.extraction >= 0:
        result["extraction"] = extraction_throughput(args.extraction or None)
        print(f"  extraction: {result['extraction']}", flush=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
