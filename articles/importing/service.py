"""Writing imported articles: in batches, each batch one transaction, indexed as it is written.

The index is written beside the live one by processes and added to it in chunks of thousands
(search.indexing.bulk_reindexing), so an import keeps the machine's cores busy and an editor's
save does not wait for it.

An article and its tags go in together or not at all. Tags given in the input are editor tags;
the kinds the input does not give are extracted. Re-importing an article (same URL, else same
source, headline and date) updates it; tags an editor set or removed since are kept.

A record is judged alone: one that names a code the fixed list lacks (country ``XX``), or that
the database refuses, is one rejection and the rest of its batch goes in.
"""

import hashlib
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from collections.abc import Iterator
from itertools import islice

from django.db import DataError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from search.indexing import bulk_reindexing, index_pending
from search.signals import index_updates_paused

from ..fingerprints import article_fingerprint
from ..models import Article, LanguageOrigin, OrganisationSuggestion, SuggestionStatus, TagOrigin
from ..tag_kinds import TAG_KINDS, TagKindEntry
from ..tagging import article_extract_tags, entity_for_mention, entity_matcher
from .preparation import batches_prepared
from .records import ArticleRecord, RejectedRecord

SUGGESTION_NAME_LENGTH = OrganisationSuggestion._meta.get_field("name").max_length
SQL_NAMES = 500  # names in one IN (...) of an update: SQLite's limit on variables is far above
CONTENT_FIELDS = ("title", "body", "summary", "byline", "source", "dateline", "url", "published_at")


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRecord] = field(default_factory=list)
    dates_taken_as_utc: int = 0  # records whose date named no time zone
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def rejected_by_kind(self) -> Counter:
        return Counter(rejection.kind for rejection in self.rejected)

    @property
    def rate(self) -> float:
        return self.imported / self.seconds if self.seconds else 0.0


class EntityLookup:
    """Every kind's entities by key, and the named kinds' by name or alias too, loaded once per import."""

    def __init__(self):
        self.by_key = {kind.name: dict(kind.model.objects.values_list(kind.key, "pk")) for kind in TAG_KINDS}
        self.by_name = {kind.name: self.names(kind.model) for kind in TAG_KINDS if not kind.fixed}

    @staticmethod
    def names(model) -> dict[str, int]:
        names = {}
        for pk, name, slug, aliases in model.objects.values_list("pk", "name", "slug", "aliases"):
            for key in (slug, name, *aliases):
                names.setdefault(key.casefold(), pk)
        return names

    def unknown_key(self, record: ArticleRecord) -> RejectedRecord | None:
        """A rejection for a record that names a key no entity of a fixed list has (country ``XX``)."""
        for kind in TAG_KINDS:
            if kind.fixed:
                for value in getattr(record, kind.field) or ():
                    if value not in self.by_key[kind.name]:
                        reason = f"unknown {kind.name} code {value!r} in '{kind.field}'"
                        return RejectedRecord(record.location, reason, f"unknown {kind.name} code")
        return None

    def given(self, kind: TagKindEntry, value: str) -> int | None:
        """The entity a given tag names: in a fixed list by key (None if unknown), else by name or alias."""
        if kind.fixed:
            return self.by_key[kind.name].get(value)
        return self.named(kind.model, self.by_name[kind.name], value)

    def named(self, model, table: dict, name: str) -> int:
        """The entity of this name or alias; a name nobody knows becomes a new entity."""
        key = name.casefold()
        if key not in table:  # records refuse names too long for the field, so nothing is cut here
            slug = slugify(name) or f"{model._meta.model_name}-{hashlib.sha256(name.encode()).hexdigest()[:12]}"
            entity = model.objects.filter(slug=slug).first() or model.objects.create(name=name, slug=slug)
            table[key] = table[slug] = entity.pk
        return table[key]


def record_fingerprint(record: ArticleRecord) -> str:
    return article_fingerprint(source=record.source, title=record.title, published_at=record.published_at, body=record.body)


def record_slug(record: ArticleRecord, fingerprint: str) -> str:
    words = slugify(record.title or record.body[:80])[:80].strip("-") or "article"
    return f"{words}-{fingerprint[:8]}"


def batched(items, size):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def articles_import(items, *, batch_size: int = 500, default_source: str = "", progress=None) -> ImportSummary:
    """Import records (and note rejections) from ``read_paths`` or any iterable of them."""
    summary = ImportSummary()
    started = time.perf_counter()
    matcher = entity_matcher()
    lookup = EntityLookup()
    with index_updates_paused(), bulk_reindexing() as index_articles:
        for batch, preparations in batches_prepared(batched(items, batch_size), matcher):
            records, prepared = [], {}
            for item, preparation in zip(batch, preparations, strict=True):
                rejection = item if isinstance(item, RejectedRecord) else lookup.unknown_key(item)
                if rejection is not None:
                    summary.rejected.append(rejection)
                    continue
                summary.dates_taken_as_utc += item.date_zone_assumed
                record = replace(item, source=default_source) if default_source and not item.source else item
                records.append(record)
                prepared[id(record)] = preparation
            touched = []
            for part in without_repeats(records):
                touched += batch_import(part, summary, matcher, lookup, prepared)
            index_articles(touched)
            if progress is not None:
                progress.update(len(batch))
    index_pending()  # editors' saves that found the index busy with this import
    summary.seconds = time.perf_counter() - started
    return summary


def without_repeats(records: list[ArticleRecord]) -> Iterator[list[ArticleRecord]]:
    """The records in runs in which no URL or fingerprint repeats: a later copy of an article updates
    the earlier one, as it would in a later batch, instead of colliding with it."""
    run, seen = [], set()
    for record in records:
        keys = {("fingerprint", record_fingerprint(record))} | ({("url", record.url)} if record.url else set())
        if keys & seen:
            yield run
            run, seen = [], set()
        run.append(record)
        seen |= keys
    if run:
        yield run


def batch_import(records: list[ArticleRecord], summary: ImportSummary, matcher, lookup: EntityLookup, prepared: dict) -> list[int]:
    """Write the records together; if the database refuses one, write them one by one so that only
    the refused ones are rejected, each with the database's reason."""
    counts = (summary.created, summary.updated, summary.unchanged)
    try:
        return import_batch(records, summary, matcher, lookup, prepared)
    except (IntegrityError, DataError) as error:
        summary.created, summary.updated, summary.unchanged = counts  # the transaction wrote none of them
        if len(records) == 1:
            summary.rejected.append(RejectedRecord(records[0].location, f"cannot be saved: {error}", "refused by the database"))
            return []
    return [pk for record in records for pk in batch_import([record], summary, matcher, lookup, prepared)]


@transaction.atomic
def import_batch(records: list[ArticleRecord], summary: ImportSummary, matcher, lookup: EntityLookup, prepared: dict) -> list[int]:
    """Write one batch in one transaction; returns the ids of the articles it created or changed.
    ``prepared`` holds each record's language and extraction by ``id(record)`` (preparation.py)."""
    keyed = {(record.url or None, record_fingerprint(record)): record for record in records}  # no repeats: without_repeats
    urls = [url for url, _ in keyed if url]
    fingerprints = [fingerprint for _, fingerprint in keyed]
    existing_by_url = {a.url: a for a in Article.objects.filter(url__in=urls)} if urls else {}
    existing_by_fingerprint = {a.fingerprint: a for a in Article.objects.filter(fingerprint__in=fingerprints)}

    new, changed = [], []
    for (url, fingerprint), record in keyed.items():
        article = existing_by_url.get(url) if url else None
        article = article or existing_by_fingerprint.get(fingerprint)
        values = {name: getattr(record, name) for name in CONTENT_FIELDS}
        if record.language and not (article and article.language_origin == LanguageOrigin.EDITOR):
            # The record's word, below an editor's; otherwise detection fills it on save.
            values.update(language=record.language, language_origin=LanguageOrigin.RECORD)
        if article is None:
            new.append((Article(slug=record_slug(record, fingerprint), fingerprint=fingerprint, **values), record))
        elif any(getattr(article, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(article, name, value)
            changed.append((article, record))
        else:
            summary.unchanged += 1

    created = Article.objects.bulk_create(
        [article for article, _ in new], batch_size=500, detected_languages=[prepared[id(record)].language for _, record in new]
    )
    summary.created += len(created)
    new_tags_create(new, matcher, lookup, {id(record): prepared[id(record)].extraction for _, record in new})
    for article, record in changed:
        article.save()
        given_tags_add(article, record, lookup)
        article_extract_tags(article, matcher=matcher)
    summary.updated += len(changed)
    return [article.pk for article, _ in new] + [article.pk for article, _ in changed]


def tag_link(kind: TagKindEntry, article_id: int, entity_id: int, origin: str):
    return kind.through(article_id=article_id, origin=origin, **{f"{kind.name}_id": entity_id})


def given_links(article_id: int, record: ArticleRecord, lookup: EntityLookup):
    """The tag links the input names, as editor tags, each with its kind."""
    for kind in TAG_KINDS:
        for value in getattr(record, kind.field) or ():
            entity_id = lookup.given(kind, value)
            if entity_id is not None:
                yield kind, tag_link(kind, article_id, entity_id, TagOrigin.EDITOR)


def given_tags_add(article: Article, record: ArticleRecord, lookup: EntityLookup) -> None:
    links = {kind.name: [] for kind in TAG_KINDS}
    for kind, link in given_links(article.pk, record, lookup):
        links[kind.name].append(link)
    for kind in TAG_KINDS:
        kind.through.objects.bulk_create(links[kind.name], ignore_conflicts=True)


def extracted_ids(kind: TagKindEntry, found, lookup: EntityLookup, mentioned: dict) -> list[int]:
    """The entities extraction found: known ones by key, or the ones it names, created if new
    (operations; ``mentioned`` remembers them by slug for the batch)."""
    if kind.extraction_creates:
        for mention in found:
            if mention.slug not in mentioned:
                mentioned[mention.slug] = entity_for_mention(kind.model, mention).pk
        return [mentioned[mention.slug] for mention in found]
    known = lookup.by_key[kind.name]
    return [known[key] for key in found if key in known]


def new_tags_create(new, matcher, lookup: EntityLookup, extractions: dict | None = None) -> None:
    """Tags of new articles: given ones as editor tags, the other kinds extracted (or taken from
    ``extractions``, by ``id(record)``, where they were extracted already), in bulk."""
    links = {kind.name: [] for kind in TAG_KINDS}
    mentioned = {kind.name: {} for kind in TAG_KINDS}
    candidates = Counter()
    examples = {}
    for article, record in new:
        for kind, link in given_links(article.pk, record, lookup):
            links[kind.name].append(link)
        extraction = (extractions or {}).get(id(record)) or matcher.extract(record.title, record.body, record.dateline)
        for kind in TAG_KINDS:
            if getattr(record, kind.field) is None:
                found = extracted_ids(kind, getattr(extraction, kind.field), lookup, mentioned[kind.name])
                links[kind.name] += [tag_link(kind, article.pk, pk, TagOrigin.EXTRACTED) for pk in found]
        if record.organisations is None:  # suggestions are the organisations' own: names not in the catalogue
            for name in extraction.organisation_candidates:
                if len(name) <= SUGGESTION_NAME_LENGTH:  # a longer one could only be suggested cut, merged with others
                    candidates[name] += 1
                    examples.setdefault(name, article.pk)
    for kind in TAG_KINDS:
        kind.through.objects.bulk_create(links[kind.name], ignore_conflicts=True, batch_size=1000)
    Article.objects.filter(pk__in=[article.pk for article, _ in new]).update(extracted_at=timezone.now())
    suggestions_count(candidates, examples)


def suggestions_count(candidates: Counter, examples: dict) -> None:
    """Add this batch's mentions to the pending organisation suggestions.

    Known ones are counted up in the database (``mentions + n``), one query per distinct ``n``:
    reading them and writing them back with ``bulk_update`` cost 0.3 ms an article at 100,000
    articles, and grew with the suggestions, and an editor's decision made meanwhile stands."""
    if not candidates:
        return
    known = set(OrganisationSuggestion.objects.filter(name__in=list(candidates)).values_list("name", flat=True))
    OrganisationSuggestion.objects.bulk_create(
        [OrganisationSuggestion(name=name, mentions=count, example_id=examples[name])
         for name, count in candidates.items() if name not in known],
        ignore_conflicts=True,
    )  # fmt: skip
    by_count = defaultdict(list)
    for name in known:
        by_count[candidates[name]].append(name)
    for count, names in by_count.items():
        for start in range(0, len(names), SQL_NAMES):
            OrganisationSuggestion.objects.filter(name__in=names[start : start + SQL_NAMES], status=SuggestionStatus.PENDING).update(
                mentions=F("mentions") + count
            )
