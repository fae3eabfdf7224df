"""NewsArchive's search engine: a haystack engine over Whoosh, with haystack's contract, made fast.

It answers any ``SearchIndex`` and any ``SearchQuerySet`` as haystack's stock ``WhooshEngine``
does (``tests/engine_contract`` runs the same tests on both), and differs where stock is wrong:

- facet fields of strings are unanalysed (``ID``/``KEYWORD``), so "United States" is never stemmed
  into ``unit`` and ``state``; text folds accents ("Mexico" finds "México") and stems English;
- narrowing queries whose intersection is empty give no results instead of the whole index;
- one searcher per process is reused and refreshed when the index changes; matching, ranking,
  facet counts and sorting by numeric fields are numpy operations over per-generation arrays
  (``snapshot.py``, ``scoring.py``); anything else is Whoosh's own, within the matched documents;
- snippets escape everything but the marks around matched terms;
- the index lives in generations (``generations.py``): ``rebuild`` builds a new one beside the
  live one and switches atomically, and writes made meanwhile reach it.

What it offers beyond haystack (lock waits, merges, rebuilds, status) is ``interface.IndexMaintenance``.
"""

import hashlib
import logging
import re
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime, timezone
from functools import partial

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import force_str
from haystack.backends import BaseEngine, log_query
from haystack.backends.whoosh_backend import WhooshSearchBackend
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SkipDocument
from haystack.fields import FacetField
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct
from haystack.utils.app_loading import haystack_get_model
from whoosh import query
from whoosh.fields import DATETIME, ID as WHOOSH_ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import EmptyIndexError, LockError
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, MultifieldPlugin, QueryParser
from whoosh.sorting import Count, DateRangeFacet, FieldFacet, MultiFacet
from whoosh.support.relativedelta import relativedelta
from whoosh.util.times import datetime_to_long

from . import segments
from .generations import IndexFolder
from .interface import IndexBusy, SearchUnavailable
from .languages import (
    ANALYZERS, CHANGED_ENDING, DEFAULT, ENGLISH_ANALYZER, FOLD_ACCENTS, SHADOWS, LanguageBranch, Languages, field_of, renamed_fields,
)
from .merges import commit_merge_policy, merge_small_tiers, segments_to_merge
from .parallel_writing import index_processes
from .related import distinct_top, document_frequency, frequencies_held_bytes, key_terms, shingles, tag_likeness, text_likeness
from .rerank import Feedback, document_terms, feedback_scores
from .scoring import Unscorable, documents_in_order, evaluate, few_matches, top_documents, top_of_few
from .snapshot import MatchedDocuments, SnapshotHolder, segments_reader, stored_documents_held_bytes
from .snippets import WORD, compile_word_starts, make_term_of, snippet_html
from .spelling import spelling_suggestion
from .whoosh_internals import (
    DeferredSpellingQuery,
    ReaderSharingWriter,
    SharedReaderSearcher,
    TrainedDictionaryCodec,
    UTCDatetimesForWhoosh,
    haystack_from_python,
    haystack_to_python,
    index_segments,
    parse_date_text,
)

log = logging.getLogger(__name__)

TEXT_ANALYZER = ENGLISH_ANALYZER  # text fields' analysis under their own names (languages.py has the others)
# A word's index term per analysis, remembered; the analyses share the words' part of the cache budget.
TERM_OF = {analysis: make_term_of(analyzer, 1 / len(ANALYZERS)) for analysis, analyzer in ANALYZERS.items()}
term_of = TERM_OF[DEFAULT]  # a word's index term, cached for snippets
TERM_OF_ANALYZER = {id(ANALYZERS[analysis]): memo for analysis, memo in TERM_OF.items()}  # by the analyzer a field has


def caches_held_bytes(snapshot) -> dict[str, int]:
    """The bytes each of the process's search caches holds (``segments.SHARES``), the snapshot's included."""
    return {
        segments.SEGMENT_ARRAYS: segments.held_bytes(),
        segments.FILTER_MASKS: snapshot.remembered_bytes(),
        segments.WORDS: sum(term_of.held_bytes() for term_of in TERM_OF.values()),
        segments.FREQUENCIES: frequencies_held_bytes(snapshot),
        segments.STORED_DOCUMENTS: stored_documents_held_bytes(),
    }


def terms_by_field(parsed_query) -> dict[str, frozenset]:
    """A query's terms, as text, by field: read once a page, not once a result.

    Remembered by the query's identity (``marked_terms``), never by the query: Whoosh (2.7.5)
    hashes a compound query by XOR of its parts' hashes, so a word searched in two fields
    (``text`` and ``title``) cancels out. 600 different searches had 4 hashes between them, and
    a cache keyed by the queries compared each search with most of those before it (0.1-0.3 ms
    a search, growing with the cache); reading the terms takes 20 µs."""
    terms: dict[str, set] = {}
    for fieldname, term_text in parsed_query.iter_all_terms():
        terms.setdefault(fieldname, set()).add(force_str(term_text))
    return {fieldname: frozenset(texts) for fieldname, texts in terms.items()}


def initial_of(char: str) -> str:
    """The first letter of the term of a word that starts with ``char``: the Porter and Snowball
    Spanish stemmers keep a word's first letter (tests/search/test_snippets.py checks it on the
    English word list and on Spanish text), so only lowercasing and accent folding change it. "" (analyse the word) where
    lowercasing makes more than one character, as "İ" does, and the tokenizer then splits them."""
    lowered = char.lower()
    return lowered.translate(FOLD_ACCENTS)[:1] if len(lowered) == 1 else ""

# Raise when the analysis or the field mapping changes: indexes of another version are refused.
ENGINE_FORMAT = 4

SNIPPET_FRAGMENTS = 2
SNIPPET_SURROUND = 80
SNIPPET_SOURCE_CHARS = 2500
WARM_SNIPPET_DOCUMENTS = 1000
WRITER_LOCK_TIMEOUT = 60.0
OPEN_RETRY_DELAYS = (0.02, 0.05, 0.1, 0.2, 0)
PARSED_CACHE_SIZE = 2048
MORE_LIKE_THIS_RESULTS = 10  # Whoosh's more_like default

# One snapshot per index path and process, shared by every backend instance (haystack makes
# one per thread).
_snapshots: dict[str, SnapshotHolder] = {}
_create_lock = threading.Lock()


class ArchiveDATETIME(DATETIME):
    """Whoosh's DATETIME indexed at full precision only, whose ranges keep haystack's ``gt``/``lt``
    exclusive: Whoosh's own ``parse_range`` drops ``startexcl``/``endexcl``, so ``gt`` behaved as
    ``gte`` (stock too).

    Whoosh indexes a date as eight terms (``shift_step=8``: the value and seven coarser prefixes of
    it), so that its range queries read few terms. This engine reads date ranges from the field's
    column (``Snapshot.range_mask``), and the coarser terms were most of an archive's terms: of
    396,191 in a segment of 49,630 articles, 241,016 were ``published_at``'s. With no shift, a
    range that Whoosh evaluates itself is one ``TermRange`` over the full-precision terms, which
    an index written with the shift has as well."""

    def __init__(self, stored=False, unique=False, sortable=False):
        super().__init__(stored=stored, unique=unique, sortable=sortable)
        self.shift_step = 0

    def parse_range(self, fieldname, start, end, startexcl, endexcl, boost=1.0):
        if start is None and end is None:
            return query.Every(fieldname, boost=boost)
        # An exclusive bound leaves out the whole instant it names, to its precision.
        if start is not None:
            parsed = parse_date_text(self, start)
            start = datetime_to_long(parsed.ceil() if startexcl else parsed.floor())
        if end is not None:
            parsed = parse_date_text(self, end)
            end = datetime_to_long(parsed.floor() if endexcl else parsed.ceil())
        return query.NumericRange(fieldname, start, end, startexcl, endexcl, boost=boost)


def schema_version(schema) -> str:
    """A fingerprint of the field mapping and analysis that an index was built with."""
    parts = [f"engine-format:{ENGINE_FORMAT}"]
    for name in sorted(schema.names()):
        field = schema[name]
        analyzer = getattr(field, "analyzer", None)
        chain = [type(item).__name__ for item in getattr(analyzer, "items", [analyzer] if analyzer else [])]
        parts.append(f"{name}:{type(field).__name__}:{field.stored}:{bool(field.column_type)}:{'|'.join(chain)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


class SchemaMismatch(SearchUnavailable):
    """The live generation was built for another schema than this code's."""


class ArchiveWhooshBackend(UTCDatetimesForWhoosh, WhooshSearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self.writer_limit_mb = int(connection_options.get("WRITER_LIMIT_MB", 256))
        self.folder = IndexFolder(self.path) if self.use_file_storage else None
        self._lock_wait = WRITER_LOCK_TIMEOUT
        self._own_readers = False
        self._parsed = {}
        self._marked = {}  # id of a parsed query -> (the query, its terms_by_field)
        self._word_plans = None  # ``word_plans``, made with the parsers
        # The SearchIndex field naming each document's language (ISO 639-1): where an index has
        # it, text is analysed per language (languages.py); None analyses every document as English.
        self.language_field = connection_options.get("LANGUAGE_FIELD")
        self.languages = None
        self.language_parsers = {}
        # Unanalysed (facet) fields whose shared values make documents more alike, with their
        # weights beside the text's (related.py); none by default.
        weights = connection_options.get("MORE_LIKE_THIS_FIELDS") or {}
        self.related_fields = {name: float(weight) for name, weight in weights.items()}
        # Query-time weights of fields' terms in the relevance order, {field: weight}: a search
        # that names an entity weighs the articles tagged with it (docs/ranking.md); none by default.
        weights = connection_options.get("QUERY_WEIGHTS") or {}
        self.query_weights = {name: float(weight) for name, weight in weights.items()}
        # The relevance order's re-rank by pseudo-relevance feedback (rerank.py), where FEEDBACK switches it on.
        self.feedback = Feedback.from_option(connection_options.get("FEEDBACK"))
        # The bytes this process's search caches may hold together, each its share (segments.SHARES).
        cache_mb = connection_options.get("CACHE_MB")
        self.cache_bytes = int(float(cache_mb) * 2**20) if cache_mb is not None else segments.DEFAULT_BUDGET_BYTES
        # Processes that write a rebuild's new generation, one segment each (parallel_writing.py).
        self.index_processes = index_processes(connection_options.get("INDEX_PROCESSES"))

    # The schema --------------------------------------------------------------------------

    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        overrides = {}
        for field in fields.values():
            name = field.index_fieldname
            if not field.indexed:
                overrides[name] = STORED()
            elif isinstance(field, FacetField) and field.field_type in ("string", None):
                # Facet values are codes and slugs: exact, never analysed.
                if field.is_multivalued:
                    overrides[name] = KEYWORD(stored=True, commas=True, lowercase=False, scorable=False)
                else:
                    overrides[name] = WHOOSH_ID(stored=True, sortable=True)
            elif field.field_type in ("date", "datetime") and not field.is_multivalued:
                overrides[name] = ArchiveDATETIME(stored=field.stored, sortable=True)
            elif field.field_type == "integer" and not field.is_multivalued:
                overrides[name] = NUMERIC(stored=field.stored, numtype=int, field_boost=field.boost, sortable=True)
            elif field.field_type in ("string", "text", None) and not field.is_multivalued:
                overrides[name] = TEXT(
                    stored=True,
                    analyzer=TEXT_ANALYZER,
                    field_boost=field.boost,
                    sortable=not field.document,  # order_by any char field; never the whole text
                )
        top_level = [ID, DJANGO_CT, DJANGO_ID] + [field.index_fieldname for field in fields.values()]
        names = {name: overrides.get(name) or schema[name] for name in top_level}
        self.languages = None
        if self.language_field in names:
            text_fields = tuple(name for name in top_level if getattr(names[name], "analyzer", None) is TEXT_ANALYZER)
            self.languages = Languages(self.language_field, text_fields)
            for name in text_fields:
                for analysis in SHADOWS:
                    names[field_of(name, analysis)] = TEXT(
                        stored=False, analyzer=ANALYZERS[analysis], field_boost=names[name].format.field_boost
                    )
            names[self.languages.routing_field] = WHOOSH_ID(stored=False)
        return content_field_name, Schema(**names)

    def language_schema(self, analysis: str) -> Schema:
        """The schema with each text field analysed as ``analysis``, under its own name: the
        parser reads the query with it, then ``Languages.renamed`` points it at the hidden fields."""
        fields = {name: self.schema[name] for name in self.schema.names()}
        for name in self.languages.text_fields:
            fields[name] = self.schema[field_of(name, analysis)]
        return Schema(**fields)

    # Opening the index --------------------------------------------------------------------

    def setup(self):
        """Build the schema and parser; the index itself is opened per generation."""
        from haystack import connections

        fields = connections[self.connection_alias].get_unified_index().all_searchfields()
        self.content_field_name, self.schema = self.build_schema(fields)
        self.schema_version = schema_version(self.schema)
        segments.set_budget(self.cache_bytes)
        for name in self.related_fields:
            if name not in self.schema or not isinstance(self.schema[name], (KEYWORD, WHOOSH_ID)):
                raise ImproperlyConfigured(f"MORE_LIKE_THIS_FIELDS names {name!r}, which is no facet field of the index")
        for name in self.query_weights:
            if name not in self.schema:
                raise ImproperlyConfigured(f"QUERY_WEIGHTS names {name!r}, which is no field of the index")
        self.words_fields = (self.content_field_name, *boosted_text_fields(fields, self.schema))
        self.parser = self.query_parser(self.schema)
        self.language_parsers = {}
        for analysis in SHADOWS if self.languages else ():
            self.language_parsers[analysis] = self.query_parser(self.language_schema(analysis))
        self._parsed = {}
        self._marked = {}
        self._word_plans = self.word_plans()
        compile_word_starts(initial_of)  # once a process
        if not self.use_file_storage and getattr(self, "storage", None) is None:
            self.storage = RamStorage()
            self.storage.create_index(self.schema)
        self.setup_complete = True

    def query_parser(self, schema) -> QueryParser:
        """Words without a field name search the content and every text field its SearchIndex
        boosts: a word of the title counts in the text and again, with the title's boost, in the
        title (the topic evaluation's mean P@10 rose from 0.723 to 0.747, docs/ranking.md)."""
        if len(self.words_fields) == 1:
            parser = QueryParser(self.content_field_name, schema=schema)
        else:
            parser = MultifieldParser(list(self.words_fields), schema=schema)
        parser.add_plugins([FuzzyTermPlugin])
        return parser

    def live_generation(self, create: bool = True) -> str:
        """The live generation's folder name; a first, empty index is created where there is
        none, as haystack's engines do (the site tells an empty index from an empty archive). An
        index from before generations is never written over: it is SearchUnavailable."""
        if self.folder is None:
            return "memory"
        name = self.folder.current_name()
        if name is None and create:
            with _create_lock:
                name = self.folder.current_name()
                if name is None and not self.folder.has_legacy_index():
                    name = self.folder.new_generation(self.schema_version)
                    FileStorage(self.folder.generation_path(name)).create_index(self.schema)
                    self.folder.switch_to(name)
        if name is None:
            if self.folder.has_legacy_index():
                raise SearchUnavailable(f"the search index in {self.path} predates index generations; run rebuild_index")
            raise SearchUnavailable(f"there is no search index in {self.path}; run rebuild_index")
        return name

    def open_generation(self, name: str):
        """The Whoosh index of one generation, refused if built for another schema version."""
        if self.folder is None:
            return self.storage.open_index(schema=self.schema)
        found = self.folder.schema_version(name)
        if found is None and self.folder.current_name() != name:
            raise FileNotFoundError(f"generation {name} was removed after a switch")  # callers read current again
        if found != self.schema_version:
            raise SchemaMismatch(
                f"the search index was built for schema version {found}, this code needs {self.schema_version}; "
                "run rebuild_index"
            )
        return FileStorage(self.folder.generation_path(name)).open_index(schema=self.schema)

    def snapshot(self, create: bool = True):
        """This process's snapshot of the live generation; an index that cannot be opened is
        SearchUnavailable.

        A writer committing while a reader opens the index can remove the files of the commit
        the reader just read about; opening again reads the new one, so failures are retried a
        few times before the index is declared unavailable.
        """
        last_error = None
        for delay in OPEN_RETRY_DELAYS:
            try:
                if not self.setup_complete:
                    self.setup()
                name = self.live_generation(create)
                holder = _snapshots.setdefault(self.path or f"memory-{id(self.storage)}", SnapshotHolder())
                previous = holder.current()
                hold = self.folder.hold if self.folder else (lambda name: None)
                try:
                    snapshot = holder.get(name, self.open_generation, hold)
                except SchemaMismatch:
                    if previous is None or previous.name == name:
                        raise
                    # A rebuild by a newer release switched to its schema: until this worker is
                    # restarted with that release, it answers from the generation it holds.
                    log.warning("The live search index is of another schema; serving %s until restarted", previous.name)
                    return previous
                if self.folder and (previous is None or previous.name != snapshot.name):
                    # The generation we left, or one that stopped workers left behind, may have no reader now.
                    self.folder.remove_unused()
                return snapshot
            except SearchUnavailable:
                raise
            except Exception as error:  # noqa: BLE001 - any failure to open the index
                last_error = error
                time.sleep(delay)
        log.error("The search index at %s cannot be opened", self.path, exc_info=last_error)
        raise SearchUnavailable(f"the search index cannot be opened ({type(last_error).__name__})") from last_error

    def forget_snapshot(self):
        holder = _snapshots.get(self.path or f"memory-{id(getattr(self, 'storage', None))}")
        if holder:
            holder.reset()

    # Writing -------------------------------------------------------------------------------

    @contextmanager
    def lock_wait(self, seconds: float):
        """Writes in this block wait at most ``seconds`` for another writer, then raise IndexBusy."""
        previous, self._lock_wait = self._lock_wait, seconds
        try:
            yield
        finally:
            self._lock_wait = previous

    @contextmanager
    def writes_open_their_own_readers(self):
        """For a background thread's writes: Whoosh's readers seek and read one file object, so a
        writer must not share them with the requests this process serves at the same time."""
        previous, self._own_readers = self._own_readers, True
        try:
            yield
        finally:
            self._own_readers = previous

    def open_writer(self):
        """A writer of the live generation, holding its lock. If a rebuild switched generations
        while we waited for the lock, the new live generation is the one written."""
        if not self.setup_complete:
            self.setup()
        while True:
            name = self.live_generation(create=True)
            snapshot = None if self._own_readers else self.snapshot(create=True)
            if snapshot is not None and snapshot.name != name:
                snapshot = None  # one this worker still reads after another schema went live: never written
            try:
                index = snapshot.index if snapshot else self.open_generation(name)
            except (FileNotFoundError, EmptyIndexError):
                if self.folder is None or self.folder.current_name() == name:
                    raise
                continue  # removed after a switch: current names another one now

            def shared_searcher(writer, snapshot=snapshot):
                # update_document finds the old copy through a reader of every segment; opening
                # them again was 80 of 90 ms of an editor's save at 100,000 articles.
                reader = segments_reader(
                    writer.storage, writer.schema, writer.segments, writer.generation - 1, snapshot.reader
                )
                return SharedReaderSearcher(reader, fromindex=index)

            try:
                writer = ReaderSharingWriter(
                    index,
                    shared_searcher if snapshot else None,
                    timeout=self._lock_wait,
                    delay=0.05,
                    limitmb=self.writer_limit_mb,
                    codec=TrainedDictionaryCodec(),
                )
            except LockError as error:
                raise IndexBusy(f"another writer held the search index for {self._lock_wait:g} s") from error
            except (FileNotFoundError, EmptyIndexError):
                # A switch, and the generation we waited for was removed meanwhile: its files go one
                # by one, so the lock may be taken after its table of contents went.
                if self.folder is None or self.folder.current_name() == name:
                    raise
                continue
            if self.folder is None or self.folder.current_name() == name:
                return writer
            writer.cancel()

    def write(self, documents=(), identifiers_to_remove=()) -> None:
        """One commit: add or replace ``documents``, remove ``identifiers_to_remove``."""
        writer = self.open_writer()
        try:
            for document in documents:
                writer.update_document(**document)
            for identifier in identifiers_to_remove:
                writer.delete_by_term(ID, identifier)
            if self.folder is not None:
                self.folder.journal_if_rebuilding([d[ID] for d in documents] + list(identifiers_to_remove))
        except BaseException:
            writer.cancel()
            raise
        # A bulk write may merge segments (Whoosh's default policy); an editor's save must not
        # wait for that: at 100,000 articles one such merge held a save for 142 s.
        writer.commit(mergetype=commit_merge_policy(len(documents)))

    def prepare_documents(self, index, iterable) -> list[dict]:
        if not self.setup_complete:
            self.setup()  # which text fields are read per language
        documents = []
        for obj in iterable:
            try:
                document = index.full_prepare(obj)
            except SkipDocument:
                self.log.debug("Indexing for object `%s` skipped", obj)
                continue
            for key in document:
                document[key] = haystack_from_python(self, document[key])
            document.pop("boost", None)  # document boosts are not supported by Whoosh 2.5+
            documents.append(self.languages.route(document) if self.languages else document)
        return documents

    def update(self, index, iterable, commit=True):
        documents = self.prepare_documents(index, iterable)
        if documents:
            self.write(documents=documents)

    def remove(self, obj_or_string, commit=True):
        self.write(identifiers_to_remove=[get_identifier(obj_or_string)])

    def clear(self, models=None, commit=True):
        """Everything (a new, empty generation) or the documents of ``models``."""
        if models is not None:
            assert isinstance(models, (list, tuple))
            writer = self.open_writer()
            try:
                for model in models:
                    writer.delete_by_term(DJANGO_CT, get_model_ct(model))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            return
        self.delete_index()

    def delete_index(self):
        if not self.setup_complete:
            self.setup()
        self.forget_snapshot()
        if self.folder is None:
            self.storage.clean()
            self.storage.create_index(self.schema)
            return
        name = self.folder.new_generation(self.schema_version)
        FileStorage(self.folder.generation_path(name)).create_index(self.schema)
        self.folder.switch_to(name)
        self.folder.remove_unused()

    def optimize(self):
        writer = self.open_writer()
        writer.commit(optimize=True)

    def merge_is_due(self) -> bool:
        """Whether enough small segments wait to be merged (one read of the table of contents)."""
        return bool(segments_to_merge(index_segments(self.snapshot().index), max_tier=float("inf")))

    def merge_small_segments(self) -> None:
        """A commit of nothing but merges of the small segments that saves left behind."""
        self.open_writer().commit(mergetype=merge_small_tiers)

    def rebuild(self, *, batch_size: int, progress=None) -> dict:
        from .rebuild import rebuild_aside

        return rebuild_aside(self, batch_size=batch_size, progress=progress)

    def bulk_writer(self, owe):
        """An import's writer (bulk_writing.py); ``owe(identifiers)`` records documents it could
        not add. None without an index folder (an in-memory index): each batch is then an update."""
        from .bulk_writing import BulkWriter

        if not self.setup_complete:
            self.setup()
        return BulkWriter(self, owe) if self.folder is not None else None

    def status(self) -> dict:
        """What /healthz reports; ``stale`` says this worker serves a generation that is no longer
        live because the live one is of another schema (restart it with the release that built it)."""
        snapshot = self.snapshot()
        live = self.folder.current_name() if self.folder else snapshot.name
        status = {
            "generation": snapshot.name,
            "schema_version": self.schema_version,
            "documents": int(snapshot.live.sum()),
            "rebuilding": bool(self.folder and self.folder.rebuild_running()),
        }
        if live != snapshot.name:
            status["stale"] = (
                f"the live index {live} was built for schema version {self.folder.schema_version(live)}; this worker "
                f"(schema {self.schema_version}) serves {snapshot.name} until it is restarted with that release"
            )
        return status

    # Searching -----------------------------------------------------------------------------

    def parse(self, query_string):
        """Whoosh's parse of a query string, remembered: a search with two filters parses seven
        strings (the query, each filter, the model), most of them the same from search to search,
        and Whoosh's parser took 0.3 ms a string. Parsed queries are only read, never changed."""
        query_string = force_str(query_string).strip()
        if query_string in ("*", "*:*"):
            return query.Every()
        parsed = self._parsed.get(query_string)
        if parsed is None:
            if len(self._parsed) >= PARSED_CACHE_SIZE:
                self._parsed.clear()
            parsed = self.parse_joined(query_string)
            if parsed is None:
                parsed = self.parse_planned_words(query_string)
            if parsed is None:
                parsed = weighted(self.parse_in_languages(query_string), self.query_weights)
            self._parsed[query_string] = parsed
        return parsed

    def parse_joined(self, query_string):
        """A page's filters, which the site joins into one narrowing query (``(a) AND (b)``),
        from the remembered parses of its groups, or None. A combination of filters is new far
        more often than each filter, and Whoosh's parse of it took 0.2-0.6 ms. Groups are read
        apart by Whoosh's parser too; a group with words is read with the others, as every
        language's reading of the whole (``parse_in_languages``)."""
        groups = joined_groups(query_string)
        if groups is None:
            return None
        parts = [self.parse(group) for group in groups]
        if self.languages and any(self.languages.mentions_text(part) for part in parts):
            return None
        return query.And(parts).normalize()

    def word_plans(self) -> tuple | None:
        """Each reading's (analysis, fields) for ``parse_planned_words``: the parser's fields,
        renamed for the analysis, each with its analyzer's remembered term (``TERM_OF``) and its
        boost, weighted by ``query_weights``; None where a parser is not Whoosh's default grouping
        (``words_query``'s plain case) or a field's analysis is not one of ours."""
        if self.languages and self.languages.routing_field in self.query_weights:
            return None  # ``weighted`` would weigh the branches' routing terms too
        readings = [(DEFAULT, self.parser, None)]
        readings += [(analysis, parser, self.languages.renamer(analysis)) for analysis, parser in self.language_parsers.items()]
        plans = []
        for analysis, parser, renamer in readings:
            multifield, fields, boosts = words_fields(parser)
            if not default_grouping(parser, multifield) or parser.termclass is not query.Term:
                return None
            plan = []
            for fieldname in fields:
                term_of = remembered_term_of(parser, fieldname)
                if term_of is None:
                    return None
                name = fieldname if renamer is None else renamer(fieldname)
                boost = boosts.get(fieldname, 1.0)
                plan.append((name, term_of, boost * self.query_weights[name] if name in self.query_weights else boost))
            plans.append((analysis, tuple(plan)))
        if self.languages and not any(name in self.languages.text_fields for name, _, _ in plans[0][1]):
            return None  # the words read no text field: one reading, which ``parse_in_languages`` makes
        return tuple(plans)

    def parse_planned_words(self, query_string):
        """``weighted(parse_in_languages(query_string))`` for plain words (``plain_words``) that
        each give one term in every field, built straight from ``word_plans``; None otherwise.
        Whoosh's parser objects were asked the same questions for every word of every reading,
        and the finished tree walked again for weights: a new two-word query's parse took 61 µs
        with its words' analyses remembered, 33 so (a loop over 600 new queries)."""
        plans = self._word_plans
        words = plain_words(query_string) if plans is not None else None
        if not words:
            return None
        readings = {}
        for analysis, plan in plans:
            word_queries: dict[query.Query, None] = {}  # ordered, without repeats, as ``normal_words_tree``
            for word in words:
                terms = {}
                for fieldname, term_of, boost in plan:
                    text = term_of(word)
                    if text is None:
                        return None  # a stop word, or several tokens: Whoosh's own term query
                    terms.setdefault(query.Term(fieldname, text, boost=boost), None)
                word_queries.setdefault(next(iter(terms)) if len(terms) == 1 else query.Or(list(terms)), None)
            readings[analysis] = next(iter(word_queries)) if len(word_queries) == 1 else query.And(list(word_queries))
        if not self.languages:
            return readings[DEFAULT]
        return self.languages.branches(readings)

    def parse_in_languages(self, query_string):
        """The query as every analysis reads it, where it searches text and the index has languages.

        The syntax is read once: Whoosh's ``process`` (tagging and the plugins' filters, 70% of a
        parse) reads only field names, the same in every language's schema, so each analysis
        makes its query from the same syntax tree, as ``QueryParser.parse`` does after it. Plain
        words, what people type most, skip the syntax (``plain_words``)."""
        values = field_values(self.parser, query_string)
        if values is not None and not (self.languages and self.languages.mentions_text(values)):
            return values  # a tag field's values: the same in every language
        words = plain_words(query_string)
        if words is None:
            nodes = self.parser.process(query_string)

            def read(parser, renamer):
                tree = query_of(nodes, parser)
                return tree if renamer is None else renamed_fields(tree, renamer)
        else:
            read = lambda parser, renamer: words_query(parser, words, renamer)  # noqa: E731
        parsed = read(self.parser, None)
        if not self.languages or not self.languages.mentions_text(parsed):
            return parsed
        readings = {DEFAULT: parsed}
        for analysis, parser in self.language_parsers.items():
            readings[analysis] = read(parser, self.languages.renamer(analysis))
        return self.languages.branches(readings)

    def model_filter(self, models, limit_to_registered_models):
        """The query that keeps the documents of ``models`` (or of every registered model)."""
        from django.conf import settings

        if limit_to_registered_models is None:
            limit_to_registered_models = getattr(settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True)
        if models:
            choices = sorted(get_model_ct(model) for model in models)
        elif limit_to_registered_models:
            choices = self.build_models_list()
        else:
            return None
        return query.Or([query.Term(DJANGO_CT, choice) for choice in choices])

    def matched_mask(self, snapshot, filters) -> np.ndarray:
        """The live documents every filter matches: a new mask, the caller's to change."""
        return self.matched_bits(snapshot, filters).unpacked(snapshot.size)

    def matched_bits(self, snapshot, filters):
        """``matched_mask`` as its bits (``snapshot.BitMask``)."""
        return snapshot.filtered_bits(filters, lambda q: evaluate(q, snapshot, scored=False)[0])

    @log_query
    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        within=None,
        dwithin=None,
        distance_point=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        suggest_spelling=True,
        **kwargs,
    ):
        """Search, turning a damaged index into SearchUnavailable rather than a server error.

        Queries are parsed first, outside that net: a query we built wrongly is a bug, not an
        unavailable index. ``suggest_spelling=False`` (``ArchiveWhooshQuery``'s) leaves the
        spelling suggestion out; it is made when asked for (``spelling_suggestion_for``)."""
        query_string = force_str(query_string)
        if not query_string or (len(query_string) <= 1 and query_string != "*"):
            return {"results": [], "hits": 0}  # as stock: nothing to search for
        if not self.setup_complete:
            self.setup()
        main_query = self.parse(query_string)
        filters = [self.parse(narrow_query) for narrow_query in narrow_queries or ()]
        model_query = self.model_filter(models, limit_to_registered_models)
        if model_query is not None:
            filters.append(model_query)
        snapshot = self.snapshot()
        with self.failures_unavailable("searching"):
            return self.search_snapshot(
                snapshot,
                main_query,
                filters,
                query_string=query_string,
                sort_by=sort_by,
                start=start_offset or 0,
                end=end_offset,
                highlight=highlight,
                facets=facets,
                date_facets=date_facets,
                query_facets=query_facets,
                spelling_query=spelling_query,
                suggest_spelling=suggest_spelling,
                result_class=result_class,
            )

    @contextmanager
    def failures_unavailable(self, doing: str):
        """A failure of the index while ``doing`` something becomes SearchUnavailable (a 503),
        not a server error; the snapshot is dropped, so that the next request opens it afresh."""
        try:
            yield
        except SearchUnavailable:
            raise
        except Exception as error:
            self.forget_snapshot()
            log.exception("The search index at %s failed while %s", self.path, doing)
            raise SearchUnavailable(f"the search index failed ({type(error).__name__})") from error

    def search_snapshot(self, snapshot, main_query, filters, *, query_string, sort_by, start, end, highlight,
                        facets, date_facets, query_facets, spelling_query, result_class, suggest_spelling=True):  # fmt: skip
        ranked = not sort_by and not isinstance(main_query, query.Every)
        # The filters' documents; an empty intersection is an empty result (stock Whoosh treats an
        # empty allow-set as no filter at all and returns everything).
        within = self.matched_bits(snapshot, filters)
        few = self.few_matches(snapshot, main_query, within, ranked)
        if few is not None:
            matches, few_scores = few
            hits = matches.count
        else:
            matched = within.unpacked(snapshot.size)
            try:
                main_mask, scores = evaluate(main_query, snapshot, scored=ranked, within=matched)
            except Unscorable:
                main_mask, scores = evaluate(main_query, snapshot, scored=False, within=matched)
            matched &= main_mask
            hits = int(np.count_nonzero(matched))
            matches = MatchedDocuments(matched, hits)  # counted once, listed once, for every facet field
        end = min(end if end is not None else hits, hits)

        facet_counts = {}
        if facets or date_facets or query_facets:
            facet_counts = self.facet_counts_of(snapshot, main_query, filters, matches, facets, date_facets, query_facets)

        if end <= start:
            page = []
        elif few is not None and ranked:
            page = top_of_few(matches.documents(), few_scores, start, end)
        else:  # a sort (few matches are not ranked then), or many matches
            page = self.page_docnums(snapshot, main_query, None if few else scores, matches.mask, sort_by, start, end)
        marks = self.highlight_tags(highlight)
        conversions = {}  # of each model's stored fields on this page (``stored_conversions``)
        marked_terms = self.marked_terms(main_query) if marks else None
        results = [
            self.make_result(snapshot, docnum, score, marked_terms, marks, result_class, conversions)
            for docnum, score in page
        ]

        suggestion = None
        if suggest_spelling:
            suggestion = self.remembered_suggestion(snapshot, main_query, spelling_query or query_string)
        return {"results": results, "hits": hits, "facets": facet_counts, "spelling_suggestion": suggestion}

    def few_matches(self, snapshot, main_query, within, ranked: bool):
        """(``MatchedDocuments``, their scores or None) of a query that matches few documents
        (``scoring.few_matches``), the filters (``within``, their bits) read at those documents
        only; None otherwise, and where the relevance order is re-ranked (which reads arrays of
        the archive's size).

        A rare word's search made, filled and read some ten arrays the archive's size (the
        filters' mask, a mask and scores for the query, the matches), 1.3 MB at 100,000 articles
        and ten times that at a million, for a page of a few documents."""
        if self.feedback is not None and ranked:
            return None
        found = few_matches(main_query, snapshot, ranked, within)
        if found is None:
            return None
        return MatchedDocuments.of_documents(found.docs, snapshot.size), found.scores

    def marked_terms(self, parsed_query) -> dict[str, frozenset]:
        """``terms_by_field`` of a query, remembered with it: a query string's parse is the same
        object on every search of it (``parse``), and a page, its next page and its facets' links
        search the same words again. Kept by the query's identity, the query held with its terms
        so that the identity stays its own, never by the query's hash (``terms_by_field``)."""
        found = self._marked.get(id(parsed_query))
        if found is not None and found[0] is parsed_query:
            return found[1]
        terms = terms_by_field(parsed_query)
        if len(self._marked) >= PARSED_CACHE_SIZE:
            self._marked.clear()
        self._marked[id(parsed_query)] = (parsed_query, terms)
        return terms

    def remembered_suggestion(self, snapshot, main_query, spelled: str) -> str | None:
        """The spelling suggestion for ``spelled`` where the engine makes them, remembered for
        the generation: the same query is asked again (a filtered page runs it three times)."""
        if not self.include_spelling or isinstance(main_query, query.Every):
            return None
        return snapshot.remembered(("spelling", spelled), lambda: self.create_spelling_suggestion(spelled, snapshot))

    def spelling_suggestion_for(self, query_string, spelling_query=None) -> str | None:
        """The ``spelling_suggestion`` that ``search(query_string, spelling_query=...)`` gives."""
        query_string = force_str(query_string)
        if not query_string or (len(query_string) <= 1 and query_string != "*"):
            return None  # as search: nothing searched, nothing suggested
        if not self.setup_complete:
            self.setup()
        main_query = self.parse(query_string)
        snapshot = self.snapshot()
        with self.failures_unavailable("suggesting a spelling"):
            return self.remembered_suggestion(snapshot, main_query, force_str(spelling_query or query_string))

    def facet_counts_of(self, snapshot, main_query, filters, matches, facets, date_facets, query_facets) -> dict:
        """The facet counts of a search (its ``MatchedDocuments``). Browsing (no words, maybe
        filters) counts the same for every request until the next commit, so those are
        remembered for the generation."""
        if not isinstance(main_query, query.Every):
            return self.facet_counts(snapshot, main_query, matches, facets, date_facets, query_facets)
        key = ("facets", tuple(filters), tuple(facets or ()), repr(date_facets), tuple(query_facets or ()))
        counts = snapshot.remembered(
            key, lambda: self.facet_counts(snapshot, main_query, matches, facets, date_facets, query_facets)
        )
        # Copies: a caller may change what it gets; query facets are counts, the others lists.
        return {
            kind: {name: list(value) if isinstance(value, list) else value for name, value in by_name.items()}
            for kind, by_name in counts.items()
        }

    def facet_counts(self, snapshot, main_query, matches, facets, date_facets, query_facets) -> dict:
        """Field facets from the snapshot's arrays for exact fields, Whoosh's own otherwise; date
        facets by Whoosh's ranges; query facets as the count of each query within the matches
        (``matches``, the search's ``MatchedDocuments``)."""
        counts = {"fields": {}, "dates": {}, "queries": {}}
        grouped = []
        for fieldname in facets or ():
            if fieldname in snapshot.value_fields:
                counts["fields"][fieldname] = snapshot.facet_counts(fieldname, matches)
            else:
                grouped.append((FieldFacet(fieldname, allow_overlap=True, maptype=Count), "fields", fieldname))
        for key, value in (date_facets or {}).items():
            gap = relativedelta(**{f"{value['gap_by']}s": value.get("gap_amount", 1)})
            facet = DateRangeFacet(key, as_datetime(value["start_date"]), as_datetime(value["end_date"]), gap, maptype=Count)
            grouped.append((facet, "dates", key))
        if grouped:
            allowed = set(matches.documents().tolist())
            results = snapshot.searcher.search(
                query.Every(), filter=allowed, limit=1, groupedby={key: facet for facet, _, key in grouped}
            )
            for _, kind, key in grouped:
                group = results.groups(key) if allowed else {}
                none_count = group.pop(None, None)
                pairs = sorted(group.items(), key=lambda item: (-item[1], item[0]))
                if none_count is not None:
                    pairs.append((None, none_count))
                counts[kind][key] = pairs
        for fieldname, value in query_facets or ():
            mask, _ = evaluate(self.parse(f"{fieldname}:{value}" if fieldname else value), snapshot, scored=False)
            counts["queries"][f"{fieldname}:{value}"] = int((mask & matches.mask).sum())
        return counts

    def page_docnums(self, snapshot, main_query, scores, matched, sort_by, start, end):
        """The (docnum, score) pairs of one page: by relevance, by sort fields, or in index order."""
        if sort_by:
            sort_by = tuple(sort_by)
            if all(key.lstrip("-") in snapshot.sortable_fields for key in sort_by):
                order = snapshot.order_by(sort_by)
                return [(int(docnum), 0.0) for docnum in order[matched[order]][start:end]]
            facets = MultiFacet([FieldFacet(key.lstrip("-"), reverse=key.startswith("-")) for key in sort_by])
            allowed = set(np.flatnonzero(matched).tolist())
            hits = snapshot.searcher.search(query.Every(), limit=end, filter=allowed, sortedby=facets)
            return [(docnum, 0.0) for _, docnum in hits.top_n[start:end]]
        if isinstance(main_query, query.Every):
            return [(docnum, 0.0) for docnum in documents_in_order(matched, start, end)]
        if scores is not None:
            return top_documents(matched, self.reranked(snapshot, main_query, matched, scores), start, end)
        # A query only Whoosh can rank (a phrase, a wildcard): Whoosh ranks, within the matches.
        allowed = set(np.flatnonzero(matched).tolist())
        hits = snapshot.searcher.search(main_query, limit=end, filter=allowed)
        return [(docnum, score or 0.0) for score, docnum in hits.top_n[start:end]]

    def reranked(self, snapshot, main_query, matched, scores):
        """The first pass's scores, its best re-scored by pseudo-relevance feedback (rerank.py)."""
        if self.feedback is None:
            return scores

        def terms_of_document(docnum):  # from its stored text, in its own language's content field
            stored = snapshot.searcher.stored_fields(docnum)
            analysis = self.languages.analysis_of_stored(stored) if self.languages else DEFAULT
            name = self.content_field_name
            return document_terms(stored.get(name) or "", field_of(name, analysis), TERM_OF[analysis])

        return feedback_scores(snapshot, main_query, matched, scores, self.feedback, terms_of_document)

    @log_query
    def more_like_this(
        self,
        model_instance,
        additional_query_string=None,
        start_offset=0,
        end_offset=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ):
        """The documents most like ``model_instance``'s, within the models and the additional query:
        by its key terms in its own language and its tags (``related.py``); never the document
        itself, nor a near-duplicate of it or of a better one."""
        if not self.setup_complete:
            self.setup()
        filters = []
        model_query = self.model_filter(models, limit_to_registered_models)
        if model_query is not None:
            filters.append(model_query)
        if additional_query_string and additional_query_string != "*":
            filters.append(self.parse(additional_query_string))
        snapshot = self.snapshot()
        own = snapshot.searcher.document_number(**{ID: get_identifier(model_instance)})
        if own is None:
            return {"results": [], "hits": 0}
        stored = snapshot.stored_fields(own)
        mask, scores = self.likeness(snapshot, own, stored)
        mask &= self.matched_mask(snapshot, filters)
        mask[own] = False
        # haystack's SearchQuerySet passes no slice to more_like_this and counts what it gets:
        # like Whoosh's more_like, the best ten, and their number as the hits.
        start, end = start_offset or 0, end_offset or MORE_LIKE_THIS_RESULTS
        if end <= start:
            return {"results": [], "hits": 0}
        text_field = self.content_field_name
        page = distinct_top(
            mask,
            scores,
            end,
            lambda docnum: shingles(snapshot.searcher.stored_fields(docnum).get(text_field) or "", FOLD_ACCENTS),
            shingles(stored.get(text_field) or "", FOLD_ACCENTS),
        )
        conversions = {}
        results = [self.make_result(snapshot, docnum, score, None, None, result_class, conversions) for docnum, score in page[start:]]
        return {"results": results, "hits": len(page)}

    def likeness(self, snapshot, own: int, stored: dict):
        """(mask, scores) of the documents like ``own``: sharing a key term of its text, in its
        language, ranked by text and the connection's tag fields."""
        analysis, within = DEFAULT, None
        if self.languages:
            analysis = self.languages.analysis_of_stored(stored)
            routing = self.languages.routing_field
            within = lambda tree: LanguageBranch(routing, analysis, tree)  # noqa: E731
        fieldname = field_of(self.content_field_name, analysis)
        terms = key_terms(
            stored.get(self.content_field_name) or "",
            TERM_OF[analysis],
            document_frequency(snapshot, fieldname),
            snapshot.postings.field_documents(fieldname),
        )
        if not terms:
            return np.zeros(snapshot.size, dtype=bool), np.zeros(snapshot.size, dtype=np.float32)
        mask, scores = text_likeness(snapshot, own, fieldname, terms, within)
        tags = tag_likeness(snapshot, stored, self.related_fields)
        if tags is not None:
            scores += tags  # in place: the text's scores are this search's own array
        return mask, scores

    def highlight_tags(self, highlight) -> tuple[str, str] | None:
        """haystack passes ``highlight()``'s keyword arguments; like its Elasticsearch engine we
        take ``pre_tags``/``post_tags`` (``<em>`` by default, as every haystack engine marks)."""
        if not highlight:
            return None
        options = highlight if isinstance(highlight, dict) else {}
        return (options.get("pre_tags", ["<em>"])[0], options.get("post_tags", ["</em>"])[0])

    def make_result(self, snapshot, docnum, score, marked_terms, marks, result_class, conversions=None):
        """haystack's result of a document: each stored field converted as haystack's Whoosh
        engine converts it (``stored_conversions``), its snippet where the query marks words.
        ``conversions``: a page's, by model, worked out for its first result."""
        stored = snapshot.stored_fields(docnum)
        content_type = stored[DJANGO_CT]
        conversions = {} if conversions is None else conversions
        if content_type not in conversions:
            conversions[content_type] = self.stored_conversions(content_type)
        app_label, model_name, by_name, unknown = conversions[content_type]
        fields = {}
        for key, value in stored.items():
            convert = by_name.get(key, unknown)
            if convert is not None:
                fields[key] = convert(value)
        if marked_terms is not None:
            fields["highlighted"] = {self.content_field_name: [self.snippet(stored, marked_terms, marks)]}
        return (result_class or SearchResult)(app_label, model_name, stored[DJANGO_ID], score, **fields)

    def stored_conversions(self, content_type: str) -> tuple:
        """(app label, model name, {stored name: conversion, or None to leave it out}, the
        conversion of a name the SearchIndex lacks) of a model's documents, as haystack's Whoosh
        engine converts them. Worked out once a page: made for each field of each result, the
        checks took 13 µs of a result's 22."""
        app_label, model_name = content_type.split(".")
        model = haystack_get_model(app_label, model_name)
        unified_index = self.connections_index()
        index = unified_index.get_index(model) if model in unified_index.get_indexed_models() else None
        to_python = partial(haystack_to_python, self)
        by_name = {DJANGO_CT: None, DJANGO_ID: None}
        for key, field in (index.fields if index else {}).items():
            if key in by_name:
                continue
            if field.is_multivalued:
                by_name[key] = split_values
            elif field.field_type == "boolean":
                by_name[key] = to_python  # haystack's convert makes "false" True
            elif field.field_type == "datetime":
                by_name[key] = partial(converted_to_utc, field.convert)
            else:
                by_name[key] = field.convert
        return app_label, model_name, by_name, to_python

    def connections_index(self):
        from haystack import connections

        return connections[self.connection_alias].get_unified_index()

    def snippet(self, stored, marked_terms: dict[str, frozenset], marks) -> str:
        """Up to two fragments around the query's terms in the article's text field (of its
        analysis: ``marked_terms`` by field, ``terms_by_field``), HTML-escaped except for the marks."""
        text = self.snippet_source(stored)
        analysis = self.languages.analysis_of_stored(stored) if self.languages else DEFAULT
        fieldname = field_of(self.content_field_name, analysis)
        terms = marked_terms.get(fieldname)
        if not terms:
            return ""
        return snippet_html(
            text,
            terms,
            TERM_OF[analysis],
            surround=SNIPPET_SURROUND,
            fragments=SNIPPET_FRAGMENTS,
            tags=marks,
            initial_of=initial_of,
            changed_ending=CHANGED_ENDING[analysis],
        )

    def warm_up(self) -> None:
        """Analyse the words of the snippet text of the last ``WARM_SNIPPET_DOCUMENTS`` documents
        written, as ``snippet`` would (each article in its language's analysis), within half of
        each analysis' share of the words' cache. A word's first analysis costs about 10 µs, and
        a first page of twenty snippets met 90 new words (0.9 ms of a 10 ms search at 100,000
        articles); this process meets most of them again. ``newsarchive.warmup`` asks this of an
        engine that has it; 0.3 s for 1,000 documents."""
        snapshot = self.snapshot()
        for docnum in np.flatnonzero(snapshot.live)[-WARM_SNIPPET_DOCUMENTS:].tolist():
            stored = snapshot.searcher.stored_fields(docnum)
            term_of = TERM_OF[self.languages.analysis_of_stored(stored) if self.languages else DEFAULT]
            if term_of.held_bytes() > term_of.limit() // 2:
                continue
            for word in WORD.findall(self.snippet_source(stored)):
                term_of(word.lower())

    def snippet_source(self, stored) -> str:
        """The text a snippet is made from: the lead of the content field, after the title."""
        text = stored.get(self.content_field_name) or ""
        title = stored.get("title") or ""
        if isinstance(title, str) and title and text.startswith(title):
            text = text[len(title) :].lstrip()  # the page shows the title already
        return text[:SNIPPET_SOURCE_CHARS]  # matches in the lead make the snippet; the rest costs time

    def spelling_fields(self) -> list[tuple[str, str, object]]:
        """(index field, stored field, term_of) of each reading of the content: a word is known
        if any language's index has it, and corrections come from every language's words."""
        name = self.content_field_name
        analyses = (DEFAULT, *SHADOWS) if self.languages else (DEFAULT,)
        return [(field_of(name, analysis), name, TERM_OF[analysis]) for analysis in analyses]

    def create_spelling_suggestion(self, query_string, snapshot=None):
        if not query_string:
            return None
        snapshot = snapshot or self.snapshot()
        return spelling_suggestion(snapshot, self.spelling_fields(), force_str(query_string))


# Words of letters and digits, between spaces, in one pair of parentheses at most (haystack wraps
# the words people type in one). Whoosh's operators are words in capitals.
PLAIN_WORDS = re.compile(r"\s*(?:\(\s*([^\W_]+(?:\s+[^\W_]+)*)\s*\)|([^\W_]+(?:\s+[^\W_]+)*))\s*")
OPERATORS = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE", "NOT", "REQUIRE", "TO"})


def plain_words(query_string: str) -> list[str] | None:
    """The words of a query string of plain words only, or None. Whoosh's parser tags and
    filters a string through a dozen plugins (0.3 ms for a new one-word query): for plain words
    none of them changes anything but the grouping, which ``words_query`` builds as they do."""
    match = PLAIN_WORDS.fullmatch(query_string)
    if match is None:
        return None
    words = (match.group(1) or match.group(2)).split()
    return None if OPERATORS.intersection(words) else words


def words_query(parser, words: list[str], renamer=None) -> query.Query:
    """What ``parser.parse`` returns for plain ``words`` (``plain_words``), its fields renamed by
    ``renamer`` (``ArchiveWhooshBackend.renamer``; None keeps them): with a ``MultifieldPlugin``
    each word in each of its fields, grouped as it groups them, the words in the parser's group.
    Each term is Whoosh's own ``term_query`` (the field's analysis: a stop word is no term,
    several tokens the field's multitoken query).

    Where every word gives terms and the groups are Whoosh's defaults (Or of fields, And of
    words), the tree is built as ``normalize`` would leave it (``normal_words_tree``): Whoosh's
    ``normalize`` and renaming walks were 0.05 ms of a new two-word query's 0.2 ms parse."""
    multifield, fields, boosts = words_fields(parser)
    word_terms = [[word_term(parser, field, word, boosts.get(field, 1.0)) for field in fields] for word in words]
    plain = all(type(term) is query.Term or term is None for terms in word_terms for term in terms)
    if plain and default_grouping(parser, multifield):
        return normal_words_tree(word_terms, renamer)
    if multifield is None:
        word_queries = [terms[0] for terms in word_terms]
    else:
        word_queries = [multifield.group.qclass([term for term in terms if term is not None]) for terms in word_terms]
    tree = (parser.group.qclass([q for q in word_queries if q is not None]) or query.NullQuery).normalize()
    return tree if renamer is None else renamed_fields(tree, renamer)


def normal_words_tree(word_terms: list[list[query.Term | None]], renamer=None) -> query.Query:
    """``And([Or(terms) for each word]).normalize()`` for plain ``Term``s (None for none), built
    so: a word's fields in an ``Or`` without repeats, one term alone; the words in an ``And``
    without repeats, one word alone; ``NullQuery`` for no term at all. Fields renamed by ``renamer``."""
    words: dict[query.Query, None] = {}  # ordered, without repeats: normalize's "seen" set
    for terms in word_terms:
        if renamer is not None:
            terms = [query.Term(renamer(t.fieldname), t.text, boost=t.boost) if t is not None else None for t in terms]
        unique = list(dict.fromkeys(term for term in terms if term is not None))
        if unique:
            words.setdefault(unique[0] if len(unique) == 1 else query.Or(unique), None)
    if not words:
        return query.NullQuery
    return next(iter(words)) if len(words) == 1 else query.And(list(words))


def words_fields(parser) -> tuple:
    """(the parser's ``MultifieldPlugin`` or None, the fields a plain word is searched in, their boosts)."""
    multifield = next((plugin for plugin in parser.plugins if isinstance(plugin, MultifieldPlugin)), None)
    if multifield is None:
        return None, [parser.fieldname], {}
    return multifield, multifield.fieldnames, multifield.boosts


def default_grouping(parser, multifield) -> bool:
    """Whether the parser groups as Whoosh does by default: a word's fields in an Or, the words in an And."""
    return parser.group.qclass is query.And and (multifield is None or multifield.group.qclass is query.Or)


def remembered_term_of(parser, fieldname: str):
    """The remembered term of the field's analyzer (``TERM_OF``) where it is one of ours and the
    field does not parse its own text; else None."""
    field = parser.schema[fieldname] if parser.schema and fieldname in parser.schema else None
    term_of = TERM_OF_ANALYZER.get(id(getattr(field, "analyzer", None)))
    return term_of if term_of is not None and not field.self_parsing() else None


def word_term(parser, fieldname: str, word: str, boost: float) -> query.Query | None:
    """``parser.term_query`` of one word, from the remembered term of the field's analyzer where
    it is one of ours and gives one term: a new word was analysed once per field and language
    (12 runs of an analyzer for two words), and again for its snippets and its spelling."""
    term_of = remembered_term_of(parser, fieldname)
    if term_of is not None:
        term = term_of(word)
        if term is not None:
            return parser.termclass(fieldname, term, boost=boost)
    return parser.term_query(fieldname, word, parser.termclass, boost=boost)  # a stop word, several terms, another field


# A group as haystack writes a filter: a field's values in quotes, joined by OR, or a range of
# letters and digits, in parentheses. Nothing in it pairs with anything outside it, as other
# syntax might (a boost, an operator, a quote: a phrase is a pattern's ``".*?"``, which stops at
# a line break).
PHRASE = r'"[^"\n]*"'
VALUES = rf"{PHRASE}(?:\s+OR\s+{PHRASE})*"
GROUP = rf"\(\s*\w+:\(\s*(?:{VALUES}|\[[\w ]*\])\s*\)\s*\)"
JOINED_GROUPS = re.compile(rf"\s*{GROUP}(?:\s+AND\s+{GROUP})+\s*")
GROUP_PATTERN = re.compile(GROUP)


def joined_groups(query_string: str) -> list[str] | None:
    """The groups of ``(a) AND (b) ...``, as the site joins a page's filters, or None."""
    if JOINED_GROUPS.fullmatch(query_string) is None:
        return None
    return GROUP_PATTERN.findall(query_string)


# haystack's narrowing of a field to values (``build_query_fragment`` with "in" or "exact"), in a group.
FIELD_VALUES = re.compile(rf"\(\s*(\w+):\(\s*({VALUES})\s*\)\s*\)")
QUOTED = re.compile(r'"([^"\n]*)"')


def field_values(parser, query_string: str) -> query.Query | None:
    """What ``parser.parse`` returns for ``(countries:("MX" OR "US"))`` where the field is a tag
    or identifier field, or None: each value a phrase of the field's tokens, as Whoosh's
    PhrasePlugin reads a quoted value, the values in an ``Or``. A filter on a value the archive
    has not seen before took 0.1-0.2 ms to parse."""
    match = FIELD_VALUES.fullmatch(query_string)
    if match is None or match.group(1) not in parser.schema:
        return None
    fieldname = match.group(1)
    field = parser.schema[fieldname]
    if not isinstance(field, (KEYWORD, WHOOSH_ID)) or field.self_parsing():
        return None
    phrases = [
        parser.phraseclass(fieldname, [token.text for token in field.tokenize(value, mode="query")])
        for value in QUOTED.findall(match.group(2))
    ]
    return query.Or(phrases).normalize()


def query_of(nodes, parser):
    """What ``parser.parse`` returns for the text whose syntax tree (``parser.process``) is ``nodes``."""
    return (nodes.query(parser) or query.NullQuery).normalize()


def boosted_text_fields(fields, schema) -> tuple[str, ...]:
    """The analysed text fields, other than the content field, that a SearchIndex gives a boost."""
    return tuple(
        field.index_fieldname
        for field in fields.values()
        if field.indexed and not field.document and field.boost != 1.0
        and getattr(schema[field.index_fieldname], "analyzer", None) is TEXT_ANALYZER
    )


def split_values(value: str) -> list[str]:
    """A multi-valued field as stored: its values joined by commas."""
    return value.split(",") if value else []


def converted_to_utc(convert, value):
    """A datetime field's value by its ``convert``, aware: stored as naive UTC (``_from_python``)."""
    value = convert(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def as_datetime(value) -> datetime:
    """haystack's date facets take dates or datetimes; Whoosh's ranges take naive datetimes."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise ValueError(f"not a date: {value!r}")


class ArchiveWhooshQuery(DeferredSpellingQuery):
    """haystack's Whoosh query, its spelling suggestion made when it is asked for."""


class ArchiveWhooshEngine(BaseEngine):
    backend = ArchiveWhooshBackend
    query = ArchiveWhooshQuery


def weighted(tree, weights: dict):
    """``tree`` with the terms of each field in ``weights`` boosted by its weight: only scores
    change, never what matches (a filter's terms are matched, not scored). A tree without such
    a field is itself: Whoosh's ``accept`` copies every part it walks."""
    if not weights or not any(getattr(leaf, "fieldname", None) in weights for leaf in tree.leaves()):
        return tree

    def weigh(node):
        if isinstance(node, query.Term) and node.fieldname in weights:
            return node.with_boost(node.boost * weights[node.fieldname])
        return node

    return tree.accept(weigh)
