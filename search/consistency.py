"""Comparing the search index with the database, the source of truth, and repairing it."""

from dataclasses import dataclass, field
from datetime import datetime, timezone

from haystack.query import SearchQuerySet

from articles.models import Article
from articles.tag_kinds import TAG_KINDS

from .indexing import index_identifier, reindex_articles, search_backend
from .search_indexes import ArticleIndex

CHECKED_FIELDS = ("title", "published_at", *(kind.field for kind in TAG_KINDS))


@dataclass
class IndexReport:
    articles: int = 0
    indexed: int = 0
    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    stale: list[int] = field(default_factory=list)  # in both, but the index differs
    orphaned: list[str] = field(default_factory=list)  # in the index, not in the database

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)


def expected_document(article) -> dict:
    """The checked fields as haystack prepares them for the index (``full_prepare``), comparable."""
    prepared = ArticleIndex().full_prepare(article)
    return {name: comparable(name, prepared.get(name)) for name in CHECKED_FIELDS}


def indexed_document(stored: dict) -> dict:
    return {name: comparable(name, stored.get(name)) for name in CHECKED_FIELDS}


def comparable(name: str, value):
    """A prepared or a stored value in one form. Stored, a multivalued field is comma-joined and a
    date is naive UTC; compared, the first is a sorted list, the second has no microseconds."""
    if ArticleIndex.fields[name].is_multivalued:
        if isinstance(value, str):
            value = value.split(",") if value else []
        return sorted(value or [])
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0)
    return value


READ_BATCH = 1000


def indexed_documents() -> dict[str, dict]:
    """Every article document in the index, by identifier, read through haystack's public API
    (so the check works on any engine), a thousand at a time."""
    sqs = SearchQuerySet().models(Article).values("pk", *CHECKED_FIELDS)
    total = sqs.count()
    documents = {}
    for start in range(0, total, READ_BATCH):
        for values in sqs[start : start + READ_BATCH]:
            documents[index_identifier(values["pk"])] = values
    return documents


def index_check() -> IndexReport:
    """Read every indexed article and every article once, and list what differs."""
    documents = indexed_documents()
    report = IndexReport(indexed=len(documents))
    for article in Article.objects.for_indexing().iterator(chunk_size=1000):
        report.articles += 1
        stored = documents.pop(index_identifier(article.pk), None)
        if stored is None:
            report.missing.append(article.pk)
        elif indexed_document(stored) != expected_document(article):
            report.stale.append(article.pk)
    report.orphaned = sorted(documents)
    return report


def index_repair(report: IndexReport) -> None:
    """Index the missing and stale articles from the database; drop the orphaned documents."""
    backend = search_backend()
    for identifier in report.orphaned:
        backend.remove(identifier)
    ids = report.missing + report.stale
    for start in range(0, len(ids), 1000):
        reindex_articles(ids[start : start + 1000])
