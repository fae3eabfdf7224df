"""Every use of a private Whoosh or haystack attribute, in this one module.

The engine is fast because it reads Whoosh's segments a block at a time and reuses open segment
readers across index generations, which Whoosh's public API does not offer. Each function below
names the private attribute it touches, what it relies on, and the versions it was checked on;
``tests/search/engine/test_whoosh_internals.py`` has a test for each that fails if an upgrade
changes it, and ``check_versions`` refuses versions nobody checked. No method of a Whoosh object
is replaced at run time: where behaviour must change, a subclass does it (``SharedReaderSearcher``,
``ReaderSharingWriter``).
"""

import copy
from datetime import datetime, timezone
from importlib.metadata import version

from django.core.exceptions import ImproperlyConfigured
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

# Checked with: Whoosh-Reloaded 2.7.5 (imported as ``whoosh``), django-haystack 3.4.0.
CHECKED_VERSIONS = {"Whoosh-Reloaded": {"2.7.5"}, "django-haystack": {"3.4.0"}}


def check_versions() -> None:
    """Refuse to start on a Whoosh-Reloaded or haystack release these functions were not checked on."""
    for package, checked in CHECKED_VERSIONS.items():
        installed = version(package)
        if installed not in checked:
            raise ImproperlyConfigured(
                f"{package} {installed} is installed; the archive engine's Whoosh internals were checked on "
                f"{', '.join(sorted(checked))} only (search/engine/whoosh_internals.py). Run its tests against "
                f"{installed} and add it there, or use SEARCH_URL=haystack+whoosh:///path meanwhile."
            )


def index_segments(index) -> list:
    """The segments of the index's latest generation: ``FileIndex._segments()`` (2.7.5), which reads
    the table of contents. ``index.reader()`` would open every segment; we open only new ones."""
    return index._segments()


def segment_id(leaf):
    """A segment reader's segment id: ``SegmentReader._segid`` (2.7.5), or None for a reader with no
    segment (``EmptyReader`` of an empty index)."""
    return getattr(leaf, "_segid", None)


def deleted_docnums(leaf):
    """A segment reader's deleted document numbers, read from its per-document reader
    (``SegmentReader._perdoc.deleted_docs()``, 2.7.5) and not from the ``deleted_docs_set`` cache."""
    perdoc = getattr(leaf, "_perdoc", None)
    return perdoc.deleted_docs() if perdoc is not None else ()


def reader_with_deletions_of(leaf, segment):
    """A copy of the segment reader ``leaf`` that shares its open files but has the deletions of
    ``segment``, a newer state of the same segment.

    Whoosh keeps a segment's deletions in the segment object of the table of contents, not in its
    files, so an edit changes only that object, and reopening the segment would copy its files into
    memory again. Relies on (2.7.5): ``SegmentReader._segment``, ``SegmentReader._perdoc`` (a
    ``W3PerDocReader`` whose ``_segment`` answers deletion queries), and the ``deleted_docs_set``
    cached_property, which must be dropped or the old deletions stay (Whoosh's own
    ``searcher.refresh()`` keeps them, and deleted documents come back).
    """
    reader = copy.copy(leaf)
    reader._segment = segment
    reader._perdoc = copy.copy(leaf._perdoc)
    reader._perdoc._segment = segment
    reader.__dict__.pop("deleted_docs_set", None)
    return reader


def postings_blocks(leaf, fieldname: str, btext: bytes):
    """A term's postings in one segment, a block (up to 128 documents) at a time: yields
    (document numbers, weights) as array-likes, deleted documents included.

    Relies on (2.7.5): ``SegmentReader._terms.matcher()`` giving a ``W3LeafMatcher`` without the
    deletion filter, and its ``_read_ids``, ``_read_weights``, ``_ids``, ``_weights`` and
    ``_next_block``. Whoosh's public matcher walks one document at a time in Python.
    """
    matcher = leaf._terms.matcher(fieldname, btext, leaf.schema[fieldname].format)
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        yield matcher._ids, matcher._weights
        matcher._next_block()


def field_length_bytes(leaf, fieldname: str):
    """A segment's per-document field lengths as Whoosh stores them (one byte each), or None.

    Relies on (2.7.5): ``SegmentReader._perdoc._cached_reader`` and ``whoosh.codec.whoosh3``'s
    ``_lenfield`` and ``LENGTHS_COLUMN``; the public ``doc_field_length`` reads one document a call.
    """
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None:
        return None
    return perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)


class SharedReaderSearcher(Searcher):
    """A searcher over readers that other searchers share: closing it leaves them open
    (``update_document`` and ``delete_by_query`` close the writer's searcher after each use)."""

    def close(self):
        pass


class ReaderSharingWriter(SegmentWriter):
    """A segment writer that finds the old copies of updated documents through readers this process
    already has open instead of opening every segment again (most of an editor's save at 100,000
    articles). ``SegmentWriter.searcher()`` (2.7.5) is what ``update_document`` and
    ``delete_by_term`` use; with keyword arguments, or once closed, Whoosh's own applies.
    """

    def __init__(self, index, shared_searcher_factory, **kwargs):
        super().__init__(index, **kwargs)
        self._shared_searcher_factory = shared_searcher_factory
        self._shared_searcher = None

    def searcher(self, **kwargs):
        if kwargs or self.is_closed or self._shared_searcher_factory is None:
            return super().searcher(**kwargs)
        if self._shared_searcher is None:
            self._shared_searcher = self._shared_searcher_factory(self)
        return self._shared_searcher


class UTCDatetimesForWhoosh:
    """For a subclass of haystack's ``WhooshSearchBackend``: aware datetimes are stored as naive UTC.

    Whoosh's DATETIME orders and compares naive datetimes. haystack converts every value it
    indexes or puts in a query through the backend's private ``_from_python`` (django-haystack
    3.4.0: ``update`` and ``WhooshSearchQuery.build_query_fragment`` call ``backend._from_python``),
    so this is where the conversion must be extended.
    """

    def _from_python(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return super()._from_python(value)


def haystack_from_python(backend, value):
    """A Python value as the backend indexes it: ``backend._from_python`` (django-haystack 3.4.0)."""
    return backend._from_python(value)


def haystack_to_python(backend, value):
    """A stored Whoosh value back in Python: ``WhooshSearchBackend._to_python`` (django-haystack 3.4.0)."""
    return backend._to_python(value)


def parse_date_text(field, text: str):
    """Whoosh's parse of a date in a query into an ``adatetime`` with ``floor()``/``ceil()``:
    ``DATETIME._parse_datestring`` (2.7.5), which Whoosh's own ``parse_range`` uses."""
    return field._parse_datestring(text)
