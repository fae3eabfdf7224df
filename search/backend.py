"""NewsArchive's search engine: haystack's Whoosh backend, corrected and made fast.

Forms, views and the search service speak only haystack's SearchQuerySet API; everything that
Whoosh needs help with lives here:

- facet fields are unanalysed (``ID``/``KEYWORD``), so "United States" is never stemmed into
  ``unit`` and ``state``; the text folds accents ("Mexico" finds "México") and stems English;
- narrowing queries are combined with ``Require``, so filters whose intersection is empty give
  no results instead of the whole archive;
- one searcher per process is reused and refreshed when the index generation changes; facet
  counts and date order come from per-generation arrays (see ``snapshot.py``);
- snippets escape everything but the ``<mark>`` around matched terms;
- a spelling suggestion is offered when a query has no hits, which is when it is needed.
"""

import logging
import math
import os
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone

import numpy as np

from django.conf import settings
from django.utils.encoding import force_str
from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SkipDocument
from haystack.fields import FacetField
from haystack.models import SearchResult
from haystack.utils import get_identifier
from haystack.utils.app_loading import haystack_get_model
from whoosh import query
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import DATETIME, ID as WHOOSH_ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.qparser import QueryParser
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map

from .snapshot import SnapshotHolder, segments_reader
from .snippets import make_term_of, snippet_html
from .spelling import spelling_suggestion
from .vectorised import Unscorable, evaluate, top_documents

log = logging.getLogger(__name__)

# Lowercase, fold accents, drop stop words, stem: the same chain for documents and queries.
TEXT_ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter() | StemFilter()
term_of = make_term_of(TEXT_ANALYZER)  # a word's index term, cached for snippets

SNIPPET_FRAGMENTS = 2
SNIPPET_SURROUND = 80
SNIPPET_SOURCE_CHARS = 2500
WRITER_LOCK_TIMEOUT = 60.0
BULK_WRITE = 100  # documents in one update from which Whoosh's own merge policy applies
SEGMENTS_PER_TIER = 10  # a tier's segments are merged once there are this many; tiers grow tenfold
SMALL_SEGMENT = 1000  # larger segments are left to bulk writes' merges and rebuild_index
OPEN_RETRY_DELAYS = (0.02, 0.05, 0.1, 0.2, 0)
PARSED_CACHE_SIZE = 2048

# One snapshot per index path and process, shared by every backend instance (haystack makes
# one per thread).
_snapshots: dict[str, SnapshotHolder] = {}
_writer_state = threading.local()


@contextmanager
def writers_open_their_own_readers():
    """For a background thread's writes: Whoosh's readers seek and read one file object, so a
    writer must not share them with the requests that this process serves at the same time."""
    _writer_state.own_readers = True
    try:
        yield
    finally:
        _writer_state.own_readers = False


def segment_tier(doc_count: int) -> int:
    """0 for fewer than SEGMENTS_PER_TIER documents, 1 for up to ten times that, and so on."""
    tier = 0
    while doc_count >= SEGMENTS_PER_TIER ** (tier + 1):
        tier += 1
    return tier


def segments_to_merge(segments, max_tier: float) -> list:
    """The small segments of every tier up to ``max_tier`` that holds SEGMENTS_PER_TIER of them.

    Merging by tier keeps each document's merge count logarithmic: merging every small segment
    each time would re-merge one growing segment on every tenth save.
    """
    tiers: dict[int, list] = {}
    for segment in segments:
        if segment.doc_count_all() < SMALL_SEGMENT:
            tiers.setdefault(segment_tier(segment.doc_count_all()), []).append(segment)
    return [segment for tier, group in sorted(tiers.items())
            if tier <= max_tier and len(group) >= SEGMENTS_PER_TIER for segment in group]  # fmt: skip


def merge_policy(max_tier: float):
    def merge(writer, segments):
        from whoosh.reading import SegmentReader

        merged = segments_to_merge(segments, max_tier)
        for segment in merged:
            writer.add_reader(SegmentReader(writer.storage, writer.schema, segment))
        return [segment for segment in segments if segment not in merged]

    return merge


# An editor's save merges only the tiniest segments (under 100 documents in all, which took up to
# 0.4 s at 100,000 articles); larger small segments are merged after the response, in the
# background (signals.start_catch_up), and large ones only by bulk writes.
merge_after_a_save = merge_policy(max_tier=0)
merge_small_tiers = merge_policy(max_tier=math.inf)  # every tier below SMALL_SEGMENT


class SearchUnavailable(Exception):
    """The index is missing, empty or damaged: search answers 503 until it is rebuilt."""


class ArchiveWhooshBackend(WhooshSearchBackend):
    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        overrides = {}
        for field in fields.values():
            name = field.index_fieldname
            if not field.indexed:
                overrides[name] = STORED()
            elif isinstance(field, FacetField):
                # Facet values are codes and slugs: exact, never analysed.
                if field.is_multivalued:
                    overrides[name] = KEYWORD(stored=True, commas=True, lowercase=False, scorable=False)
                else:
                    overrides[name] = WHOOSH_ID(stored=True)
            elif field.field_type in ("date", "datetime"):
                overrides[name] = DATETIME(stored=True, sortable=True)
            elif field.field_type in ("string", "text", None) and not field.is_multivalued:
                overrides[name] = TEXT(
                    stored=True,
                    analyzer=TEXT_ANALYZER,
                    field_boost=field.boost,
                )
        top_level = [ID, DJANGO_CT, DJANGO_ID] + [field.index_fieldname for field in fields.values()]
        names = {name: overrides.get(name) or schema[name] for name in top_level}
        return content_field_name, Schema(**names)

    def _from_python(self, value):
        # Whoosh's DATETIME cannot take aware datetimes: store UTC, naive.
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return super()._from_python(value)

    def _to_python(self, value):
        value = super()._to_python(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value

    def setup(self, create=True):
        """Open the index. Only writers create a missing one: a reader that finds no index says so
        (``SearchUnavailable``, a 503) instead of serving an empty archive."""
        from haystack import connections

        fields = connections[self.connection_alias].get_unified_index().all_searchfields()
        self.content_field_name, self.schema = self.build_schema(fields)
        self.parser = QueryParser(self.content_field_name, schema=self.schema)
        self._parsed = {}  # parsed with this schema
        if self.use_file_storage:
            if create:
                os.makedirs(self.path, exist_ok=True)
            if not os.path.isdir(self.path):
                raise SearchUnavailable(f"the search index directory {self.path} is missing")
            self.storage = FileStorage(self.path)
        else:
            self.storage = self.storage if getattr(self, "storage", None) else RamStorage()
        if self.storage.index_exists():
            self.index = self.storage.open_index(schema=self.schema)
        elif create:
            self.index = self.storage.create_index(self.schema)
        else:
            raise SearchUnavailable(f"there is no search index in {self.path}")
        self.setup_complete = True

    def snapshot(self):
        """The current snapshot; an index that cannot be opened is SearchUnavailable.

        A writer committing while a reader opens the index can remove the files of the generation
        the reader just read about; opening again reads the new generation, so failures are
        retried a few times before the index is declared unavailable.
        """
        for delay in OPEN_RETRY_DELAYS:
            try:
                if not self.setup_complete:
                    self.setup(create=False)
                holder = _snapshots.setdefault(self.path or "memory", SnapshotHolder())
                return holder.get(self.index)
            except SearchUnavailable:
                self.setup_complete = False
                raise
            except Exception as error:  # noqa: BLE001 - any failure to open the index
                self.setup_complete = False
                last_error = error
                time.sleep(delay)
        log.error("The search index at %s cannot be opened", self.path, exc_info=last_error)
        raise SearchUnavailable(f"the search index cannot be opened ({type(last_error).__name__})") from last_error

    def forget_snapshot(self):
        holder = _snapshots.get(self.path or "memory")
        if holder:
            holder.reset()

    # Writing -------------------------------------------------------------------------------

    def writer(self, lock_timeout=WRITER_LOCK_TIMEOUT):
        """A writer that waits for the lock instead of failing at once (``whoosh.index.LockError``
        after ``lock_timeout`` seconds), with memory for batch indexing."""
        self.index = self.index.refresh()
        writer = self.index.writer(
            timeout=lock_timeout,
            delay=0.05,
            limitmb=getattr(settings, "SEARCH_WRITER_LIMIT_MB", 256),
        )
        self.share_open_segments(writer)
        return writer

    def share_open_segments(self, writer):
        """Give the writer a searcher over its segments that reuses this process's open segment
        readers: ``update_document`` finds the old copy through a reader of every segment, and
        opening them all again was most of an editor's save (80 of 90 ms at 100,000 articles).

        The process's snapshot is brought up to date first, so the readers are those it searches
        with (``segments_reader``). Closing this searcher must not close them.
        """
        if not hasattr(writer, "_searcher") or getattr(_writer_state, "own_readers", False):
            return
        try:
            previous_reader = self.snapshot().reader  # also keeps it for this process's next search
        except SearchUnavailable:
            return
        reader = segments_reader(writer.storage, writer.schema, writer.segments, writer.generation - 1, previous_reader)
        searcher = Searcher(reader, fromindex=self.index)
        searcher._orig_close = searcher.close = lambda: None  # what SegmentWriter.searcher() sets up
        writer._searcher = searcher

    def update(self, index, iterable, commit=True, lock_timeout=WRITER_LOCK_TIMEOUT):
        if not self.setup_complete:
            self.setup()
        writer = self.writer(lock_timeout)
        written = 0
        try:
            for obj in iterable:
                try:
                    doc = index.full_prepare(obj)
                except SkipDocument:
                    continue
                for key in doc:
                    doc[key] = self._from_python(doc[key])
                doc.pop("boost", None)
                writer.update_document(**doc)
                written += 1
        except Exception:
            writer.cancel()
            raise
        # A bulk write may merge segments (Whoosh's default policy); an editor's save must not
        # wait for that: at 100,000 articles one such merge held a save for 142 s.
        writer.commit(mergetype=None if written >= BULK_WRITE else merge_after_a_save)
        return written

    def remove(self, obj_or_string, commit=True):
        self.remove_identifiers([get_identifier(obj_or_string)])

    def remove_identifiers(self, identifiers, lock_timeout=WRITER_LOCK_TIMEOUT):
        if not self.setup_complete:
            self.setup()
        writer = self.writer(lock_timeout)
        try:
            for identifier in identifiers:
                writer.delete_by_term(ID, identifier)
        except Exception:
            writer.cancel()
            raise
        writer.commit(mergetype=merge_after_a_save)

    def small_segments_pile_up(self) -> bool:
        """Whether enough small segments wait to be merged (one read of the index's contents)."""
        if not self.setup_complete:
            self.setup()
        return bool(segments_to_merge(self.index.refresh()._segments(), max_tier=math.inf))

    def merge_small_segments(self, lock_timeout=WRITER_LOCK_TIMEOUT):
        """A commit of nothing but merges of the small segments that saves left behind."""
        if not self.setup_complete:
            self.setup()
        self.writer(lock_timeout).commit(mergetype=merge_small_tiers)

    def clear(self, models=None, commit=True):
        self.forget_snapshot()
        super().clear(models=models, commit=commit)

    # Searching -----------------------------------------------------------------------------

    def parse(self, query_string):
        """Whoosh's parse of a query string, remembered: a search with two filters parses seven
        strings (the query, each filter, the model), most of them the same from search to search,
        and Whoosh's parser took 0.3 ms a string. Parsed queries are only read, never changed."""
        query_string = force_str(query_string).strip()
        if query_string in ("", "*", "*:*"):
            return query.Every()
        remembered = self.__dict__.setdefault("_parsed", {})
        parsed = remembered.get(query_string)
        if parsed is None:
            if len(remembered) >= PARSED_CACHE_SIZE:
                remembered.clear()
            parsed = remembered[query_string] = self.parser.parse(query_string)
        return parsed

    def search(self, query_string, narrow_queries=None, **kwargs):
        """Search, turning a damaged index into SearchUnavailable rather than a server error.

        Queries are parsed first, outside that net: a query we built wrongly is a bug, not an
        unavailable index."""
        snapshot = self.snapshot()
        main_query = self.parse(query_string)
        filters = [self.parse(narrow_query) for narrow_query in narrow_queries or ()]
        try:
            return self.search_snapshot(snapshot, main_query, filters, query_string=query_string, **kwargs)
        except SearchUnavailable:
            raise
        except Exception as error:
            self.setup_complete = False
            log.exception("The search index at %s failed while searching", self.path)
            raise SearchUnavailable(f"the search index failed ({type(error).__name__})") from error

    def search_snapshot(
        self,
        snapshot,
        main_query,
        filters,
        query_string="",
        sort_by=None,
        start_offset=0,
        end_offset=None,
        highlight=False,
        facets=None,
        spelling_query=None,
        result_class=None,
        **kwargs,
    ):
        # Each filter is a mask; an empty intersection is an empty result (stock Whoosh treats an
        # empty allow-set as no filter at all and returns everything).
        matched = snapshot.live.copy()
        for narrow_query in filters:
            matched &= evaluate(narrow_query, snapshot, scored=False)[0]
        ranked = not sort_by and not isinstance(main_query, query.Every)
        try:
            main_mask, scores = evaluate(main_query, snapshot, scored=ranked)
        except Unscorable:
            main_mask, scores = evaluate(main_query, snapshot, scored=False)
        matched &= main_mask
        hits = int(matched.sum())
        start = start_offset or 0
        end = min(end_offset if end_offset is not None else hits, hits)

        facet_counts = {"fields": {}, "dates": {}, "queries": {}}
        for fieldname in facets or ():
            facet_counts["fields"][fieldname] = snapshot.facet_counts(fieldname, matched)

        page = self.page_docnums(snapshot, main_query, scores, matched, sort_by, start, end) if end > start else []
        results = [
            self.make_result(snapshot, docnum, score, main_query if highlight else None, result_class)
            for docnum, score in page
        ]

        suggestion = None
        if hits == 0 and self.include_spelling and not isinstance(main_query, query.Every):
            suggestion = self.create_spelling_suggestion(spelling_query or query_string)

        return {"results": results, "hits": hits, "facets": facet_counts, "spelling_suggestion": suggestion}

    def page_docnums(self, snapshot, main_query, scores, matched, sort_by, start, end):
        """The (docnum, score) pairs of one page, by relevance or by a precomputed field order."""
        if sort_by or isinstance(main_query, query.Every):
            field = sort_by[0].lstrip("-") if sort_by else self.default_order_field
            order = snapshot.order_by(field)
            if not sort_by or sort_by[0].startswith("-"):
                order = order[::-1]
            return [(int(docnum), 0.0) for docnum in order[matched[order]][start:end]]
        if scores is not None:
            return top_documents(matched, scores, start, end)
        # A query only Whoosh can rank (a phrase, a wildcard): Whoosh ranks, within the matches.
        allowed = set(np.flatnonzero(matched).tolist())
        hits = snapshot.searcher.search(main_query, limit=end, filter=allowed)
        return [(docnum, score or 0.0) for score, docnum in hits.top_n[start:end]]

    @property
    def default_order_field(self):
        return "published_at"

    def make_result(self, snapshot, docnum, score, highlight_query, result_class):
        stored = snapshot.searcher.stored_fields(docnum)
        app_label, model_name = stored[DJANGO_CT].split(".")
        unified_index = self.connections_index()
        index = unified_index.get_index(haystack_get_model(app_label, model_name))
        fields = {}
        for key, value in stored.items():
            if key in (DJANGO_CT, DJANGO_ID, ID):
                continue
            field = index.fields.get(key)
            if field is not None and field.is_multivalued:
                fields[key] = value.split(",") if value else []
            elif field is not None and hasattr(field, "convert"):
                fields[key] = field.convert(value)
            else:
                fields[key] = self._to_python(value)
            if isinstance(fields[key], datetime) and fields[key].tzinfo is None:
                fields[key] = fields[key].replace(tzinfo=timezone.utc)
        if highlight_query is not None:
            fields["highlighted"] = {self.content_field_name: [self.snippet(stored, highlight_query)]}
        return (result_class or SearchResult)(app_label, model_name, stored[DJANGO_ID], score, **fields)

    def connections_index(self):
        from haystack import connections

        return connections[self.connection_alias].get_unified_index()

    def snippet(self, stored, parsed_query) -> str:
        """Up to two fragments around the matched terms, HTML-escaped except for ``<mark>``."""
        text = stored.get(self.content_field_name) or ""
        title = stored.get("title") or ""
        if title and text.startswith(title):
            text = text[len(title) :].lstrip()  # the page shows the title already
        text = text[:SNIPPET_SOURCE_CHARS]  # matches in the lead make the snippet; the rest costs time
        terms = {
            force_str(term_text)
            for fieldname, term_text in parsed_query.iter_all_terms()
            if fieldname == self.content_field_name
        }
        if not terms:
            return ""
        return snippet_html(text, frozenset(terms), term_of, surround=SNIPPET_SURROUND, fragments=SNIPPET_FRAGMENTS)

    def create_spelling_suggestion(self, query_string):
        return spelling_suggestion(self.snapshot(), self.content_field_name, force_str(query_string), term_of)


class ArchiveWhooshQuery(WhooshSearchQuery):
    pass


class ArchiveWhooshEngine(BaseEngine):
    backend = ArchiveWhooshBackend
    query = ArchiveWhooshQuery
