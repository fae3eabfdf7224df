"""How well the site's search ranks: precision at 10 over topic queries judged by Reuters' labels.

A topic is a Reuters topic code and the words a reader would type for it (``tests/data/
ranking_topics.jsonl``), or a place or an organisation code and its name (``tests/data/
ranking_entities.jsonl``). An article is relevant to a topic when Reuters' annotators gave it that
code: the judgement comes from the corpus, never from any engine's ranking. Searches for places
and organisations are made on an archive tagged by extraction, as an import tags it.

The corpus goes into a throwaway archive: its articles are written to the database inside a
transaction that is rolled back, and indexed into a temporary index on the configured Whoosh
engine (ours or haystack's stock one), with the site's ``ArticleIndex``. Each query is then run
through ``run_search``, from the search form, as a reader's search is. tantivy's BM25 is given the
same articles (title, summary, body) and the same words, ANDed, in the same run
(``bench/reference_engines.py``).
"""

import importlib.util
import json
import math
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.test import override_settings
from haystack import connections

from articles.importing.records import ArticleRecord
from articles.importing.service import EntityLookup, new_tags_create
from articles.language import article_language
from articles.models import Article
from articles.tagging import entity_matcher

from .forms import SearchForm
from .indexing import article_index, search_backend
from .service import run_search
from .signals import index_updates_paused

K = 10
MAX_QUERY_WORDS = 3
INDEX_BATCH = 5000
SLUG_PREFIX = "ranking-evaluation-"
WHOOSH_SCHEMES = {  # the engine of the configured connection -> the SEARCH_URL scheme that selects it
    "search.engine.backend.ArchiveWhooshEngine": "whoosh",
    "haystack.backends.whoosh_backend.WhooshEngine": "haystack+whoosh",
}


class EvaluationError(Exception):
    """The evaluation cannot run: a missing corpus, a bad topics file, an engine it cannot build."""


LABELS = ("topics", "places", "orgs")  # the corpus's label lists a topic can be judged by


@dataclass(frozen=True)
class Topic:
    topic: str  # a Reuters code: the judgement
    query: str  # what a reader would type for it
    label: str = "topics"  # the label list the code is in: a topic, a place or an organisation


@dataclass(frozen=True)
class TopicScore:
    topic: Topic
    relevant: int  # the articles labelled with the topic
    precision: float  # P@10
    ndcg: float  # nDCG@10, binary gains
    ranked: tuple[int, ...]  # the corpus ids of the first 10 results


# Reading -----------------------------------------------------------------------------------------


def read_topics(path) -> list[Topic]:
    """The topics of a JSON Lines file, one ``{"topic": ..., "query": ...}`` a line, with
    ``"label": "places"`` or ``"orgs"`` for a place or an organisation rather than a topic."""
    topics = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        topic = Topic(str(record["topic"]).strip(), " ".join(str(record["query"]).split()), str(record.get("label", "topics")))
        if not topic.topic or not 1 <= len(topic.query.split()) <= MAX_QUERY_WORDS:
            raise EvaluationError(f"{path}:{number}: a topic needs a code and a query of 1 to {MAX_QUERY_WORDS} words")
        if topic.label not in LABELS:
            raise EvaluationError(f"{path}:{number}: label {topic.label!r} is not one of {', '.join(LABELS)}")
        topics.append(topic)
    if not topics:
        raise EvaluationError(f"{path}: no topics")
    return topics


def read_corpus(path, limit: int | None = None) -> list[dict]:
    """The corpus records that can be articles (a date, and a title or a body), in file order."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"no corpus at {path}: the Reuters-21578 JSON Lines (../shared/corpus/README.md)")
    records = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("published_at") and (record.get("title") or record.get("body")):
                records.append(record)
                if limit and len(records) >= limit:
                    break
    return records


def labelled(records: Iterable[dict], topic: str, label: str = "topics") -> set[int]:
    """The corpus ids of the records Reuters labelled with ``topic`` in their ``label`` list."""
    return {record["id"] for record in records if topic in record.get(label, ())}


def needs_tags(topics: Iterable[Topic]) -> bool:
    """Places and organisations are what the site's tags are about: judging a search for them
    needs the tags extraction gives, as an import would."""
    return any(topic.label != "topics" for topic in topics)


# Measures ----------------------------------------------------------------------------------------


def precision_at(ranked, relevant: set, k: int = K) -> float:
    """The share of the first ``k`` places that hold a relevant article; an empty place counts as a miss."""
    return sum(1 for item in list(ranked)[:k] if item in relevant) / k


def ndcg_at(ranked, relevant: set, k: int = K) -> float:
    """nDCG@k with binary gains: a relevant article counts more the higher it is ranked."""
    gain = sum(1 / math.log2(rank + 2) for rank, item in enumerate(list(ranked)[:k]) if item in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return gain / ideal if ideal else 0.0


def score_topics(topics, records, rank) -> list[TopicScore]:
    """Each topic's scores, where ``rank(query)`` gives the corpus ids of an engine's first results."""
    scores = []
    for topic in topics:
        relevant = labelled(records, topic.topic, topic.label)
        ranked = tuple(rank(topic.query))[:K]
        scores.append(TopicScore(topic, len(relevant), precision_at(ranked, relevant), ndcg_at(ranked, relevant), ranked))
    return scores


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


# The site's search over a throwaway archive ------------------------------------------------------


def article_from_record(record: dict) -> Article:
    """An unsaved article of a corpus record, with the fields the site indexes, its language detected."""
    title, body = record.get("title") or "", record.get("body") or ""
    return Article(
        title=title,
        body=body,
        slug=f"{SLUG_PREFIX}{record['id']}",
        source="Reuters",
        dateline=record.get("dateline") or "",
        published_at=utc_datetime(record["published_at"]),
        language=article_language(title, "", body),
    )


def utc_datetime(text: str) -> datetime:
    """An ISO 8601 date of the corpus; without a zone it is UTC, as the import takes it."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def temporary_connection(path: Path) -> dict:
    """A haystack connection to an index at ``path``, on the engine the site is configured with."""
    from newsarchive.settings import haystack_connection

    engine = settings.HAYSTACK_CONNECTIONS["default"]["ENGINE"]
    if engine not in WHOOSH_SCHEMES:
        raise EvaluationError(f"the evaluation builds a Whoosh index; the site's engine is {engine}")
    return haystack_connection(f"{WHOOSH_SCHEMES[engine]}://{path}")


@contextmanager
def evaluation_archive(records: list[dict], progress=None, tags: bool = False) -> Iterator[dict[str, int]]:
    """The corpus as a searchable archive for the block's length: yields {slug: corpus id}.
    With ``tags``, the articles are tagged by extraction as an import tags them (never from the
    corpus's labels, which are the judgement).

    Nothing stays: the articles and their tags are rolled back and the index is removed."""
    with tempfile.TemporaryDirectory(prefix="ranking-evaluation-") as folder:
        connection = {"default": temporary_connection(Path(folder) / "whoosh_index")}
        original = connections.connections_info
        with override_settings(HAYSTACK_CONNECTIONS=connection), transaction.atomic():
            connections.connections_info = connection
            connections.reload("default")
            try:
                with index_updates_paused():
                    articles = Article.objects.bulk_create([article_from_record(record) for record in records], batch_size=1000)
                    if tags:
                        extracted_tags_add(articles, records)
                index_evaluation_articles(progress)
                yield {f"{SLUG_PREFIX}{record['id']}": record["id"] for record in records}
            finally:
                transaction.set_rollback(True)
                connections.connections_info = original
                connections.reload("default")


def extracted_tags_add(articles: list[Article], records: list[dict]) -> None:
    """Tag the articles by extraction, in batches, through the import's own tagging."""
    matcher, lookup = entity_matcher(), EntityLookup()
    pairs = [(article, ArticleRecord(title=article.title, body=article.body, published_at=article.published_at,
                                     location=str(record["id"]), dateline=article.dateline))
             for article, record in zip(articles, records)]  # fmt: skip
    for start in range(0, len(pairs), INDEX_BATCH):
        new_tags_create(pairs[start : start + INDEX_BATCH], matcher, lookup)


def index_evaluation_articles(progress=None) -> None:
    """Index the evaluation's articles in batches, as ``rebuild_index`` does."""
    pks = list(Article.objects.filter(slug__startswith=SLUG_PREFIX).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), INDEX_BATCH):
        batch = Article.objects.for_indexing().filter(pk__in=pks[start : start + INDEX_BATCH])
        search_backend().update(article_index(), list(batch))
        if progress:
            progress(min(start + INDEX_BATCH, len(pks)), len(pks))


def site_ranking(query: str, corpus_id_of: dict[str, int]) -> list[int]:
    """The corpus ids of the site's first results for ``query``: the search form, then ``run_search``."""
    result = run_search(SearchForm({"q": query}).search_params())
    return [corpus_id_of[hit.slug] for hit in result.hits if hit.slug in corpus_id_of]


# tantivy -----------------------------------------------------------------------------------------


def reference_engines_module():
    """``bench/reference_engines.py``, or None where tantivy is not installed (requirements-dev.txt)."""
    path = Path(settings.BASE_DIR) / "bench" / "reference_engines.py"
    spec = importlib.util.spec_from_file_location("reference_engines", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError:
        return None
    return module


def tantivy_document(record: dict) -> dict:
    """A corpus record as the benchmark's tantivy index takes it: the site's text, no tags."""
    title, body = record.get("title") or "", record.get("body") or ""
    return {"id": record["id"], "title": title, "text": "\n\n".join(part for part in (title, body) if part),
            "published": 0, "year": "", "countries": [], "organisations": [], "operations": []}  # fmt: skip


@contextmanager
def tantivy_ranker(records: list[dict]):
    """``rank(query)`` over tantivy's BM25 of the same articles, or None without tantivy."""
    module = reference_engines_module()
    if module is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="ranking-tantivy-") as folder:
        engine = module.TantivyEngine(Path(folder))
        engine.load(tantivy_document(record) for record in records)

        def rank(query: str) -> list[int]:
            words = tuple(query.lower().split())
            found = engine.searcher.search(engine.text_query(words), K)
            return [engine.searcher.doc(address)["id"][0] for _, address in found.hits]

        yield rank


# The report --------------------------------------------------------------------------------------


def format_report(ours: list[TopicScore], tantivy: list[TopicScore] | None) -> str:
    """Per-topic P@10 and nDCG@10 of both engines, then the means."""
    lines = [f"{'topic':<16} {'query':<24} {'labelled':>8} {'P@10':>6} {'nDCG':>6} {'tantivy P@10':>12} {'nDCG':>6}"]
    for index, score in enumerate(ours):
        theirs = tantivy[index] if tantivy else None
        lines.append(
            f"{score.topic.topic:<16} {score.topic.query:<24} {score.relevant:>8} {score.precision:>6.2f} {score.ndcg:>6.3f} "
            + (f"{theirs.precision:>12.2f} {theirs.ndcg:>6.3f}" if theirs else f"{'-':>12} {'-':>6}")
        )
    lines.append(f"topics={len(ours)}")
    lines.append(f"newsarchive mean P@10={mean(s.precision for s in ours):.3f} nDCG@10={mean(s.ndcg for s in ours):.3f}")
    if tantivy:
        lines.append(f"tantivy BM25 mean P@10={mean(s.precision for s in tantivy):.3f} nDCG@10={mean(s.ndcg for s in tantivy):.3f}")
    else:
        lines.append("tantivy BM25: not measured (tantivy is not installed: pip install -r requirements-dev.txt)")
    return "\n".join(lines)
