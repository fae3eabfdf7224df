"""Text analysis per language: each document is indexed with its own language's analyzer, and a
query is read in every language and matches a document through the reading of its language.

A text field keeps its name for the default language (English) and gets one hidden field per
other analysis: ``text__es`` (Spanish) and ``text__other`` (every other language: no stemming,
no stop words). A document in Spanish indexes its text in ``text__es`` and still stores it under
``text``, so results, snippets and sorting are unchanged. Separate fields keep each language's
statistics apart (an English "stat" and a Spanish stem "stat" never meet) and the English index
is the one it always was; docs/search.md has the measurements behind the choice.

A parsed query becomes one branch per analysis, each restricted to the documents analysed that
way, so that even a purely negative query ("-mexico") reads each document in its own language.
"""

import copy
from dataclasses import dataclass

from whoosh import query
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

from .fused_analysis import FusedAnalyzer
from .snippets import WORD_PATTERN

# Accents folded to their letters; combining accents (a decomposed "é") dropped.
FOLD_ACCENTS = {**accent_map, **dict.fromkeys(range(0x300, 0x370))}

DEFAULT = ""  # the analysis of a text field under its own name: English, and documents of no language
SPANISH = "es"
OTHER = "other"
DEFAULT_LANGUAGES = frozenset({"", "en"})

# Snowball's Spanish stop words, less the participles that are also common nouns: "estado"
# (state: "Estado Islámico", "golpe de estado") and "sentido" (sense).
SPANISH_NOUNS_IN_STOPLIST = frozenset({"estado", "estados", "estada", "estadas", "sentido", "sentidos", "sentida", "sentidas"})
SPANISH_STOP_WORDS = frozenset(stoplists["es"]) - SPANISH_NOUNS_IN_STOPLIST


def folded(words) -> frozenset:
    """The words and their accent-folded spellings: a query typed without accents ("esta" for
    "está") meets the same stop words."""
    return frozenset(words) | frozenset(word.translate(FOLD_ACCENTS) for word in words)


class SpanishSuffixAccents(Filter):
    """Put back the accent that "-ción" and "-sión" always carry, after folding: Snowball's
    Spanish suffixes are written with it, so "operacion" would stay whole while "operaciones"
    stems to "oper"."""

    def __call__(self, tokens):
        for token in tokens:
            if token.text.endswith(("cion", "sion")):
                token.text = f"{token.text[:-3]}ión"
            yield token


# Lowercase, fold accents, drop stop words, stem (Porter): the same chain for documents and queries,
# each run as one loop (fused_analysis.py).
ENGLISH_ANALYZER = FusedAnalyzer(
    RegexTokenizer(WORD_PATTERN), LowercaseFilter(), CharsetFilter(FOLD_ACCENTS), StopFilter(), StemFilter()
)
# Accents are folded before Snowball's Spanish stemmer, as for English: readers type "policia"
# and "operacion" for "policía" and "operación", and stemming the accented word gave another
# stem for 28% of the accented words of tests/data/spanish_labelled.jsonl ("polic", "polici").
SPANISH_ANALYZER = FusedAnalyzer(
    RegexTokenizer(WORD_PATTERN),
    LowercaseFilter(),
    CharsetFilter(FOLD_ACCENTS),
    StopFilter(stoplist=folded(SPANISH_STOP_WORDS)),
    SpanishSuffixAccents(),
    StemFilter(lang="es"),
)
# Any other language: words as written, lowercased and folded.
NEUTRAL_ANALYZER = FusedAnalyzer(RegexTokenizer(WORD_PATTERN), LowercaseFilter(), CharsetFilter(FOLD_ACCENTS))

ANALYZERS = {DEFAULT: ENGLISH_ANALYZER, SPANISH: SPANISH_ANALYZER, OTHER: NEUTRAL_ANALYZER}
# How many of a lowercased ASCII word's last characters each analysis may change to make its term
# (snippets.py finds a term's words by the rest). Porter's rules that replace rather than remove
# keep all but two ("possibly" -> "possible" -> "possibl"), Snowball Spanish's too ("competencia"
# -> "competent"): tests/search/test_snippets.py checks it on Webster's Second and Spanish text.
CHANGED_ENDING = {DEFAULT: 2, SPANISH: 2, OTHER: 0}
SHADOWS = (SPANISH, OTHER)  # the analyses that have fields of their own


def analysis_of(language: str | None) -> str:
    """The analysis a document of ``language`` (ISO 639-1, or "" when unknown) is indexed with."""
    language = (language or "").strip().lower()
    if language in DEFAULT_LANGUAGES:
        return DEFAULT
    return SPANISH if language == SPANISH else OTHER


def field_of(fieldname: str, analysis: str) -> str:
    """The index field holding ``fieldname``'s text for ``analysis``: ``text``, ``text__es``."""
    return f"{fieldname}__{analysis}" if analysis else fieldname


@dataclass(frozen=True)
class Languages:
    """Which fields of a schema are read per language, and the hidden field that routes them."""

    language_field: str  # the SearchIndex field holding the document's ISO 639-1 code
    text_fields: tuple[str, ...]  # the analysed text fields that get a field per analysis

    @property
    def routing_field(self) -> str:
        """The hidden keyword field naming each document's analysis ("en", "es", "other")."""
        return f"{self.language_field}__analysis"

    def route(self, document: dict) -> dict:
        """The document as written to the index: its text in its analysis's fields, stored
        under the fields' own names."""
        analysis = analysis_of(first_value(document.get(self.language_field)))
        document[self.routing_field] = analysis or "en"
        if analysis:
            for name in self.text_fields:
                if name in document:
                    value = document[name]
                    document[field_of(name, analysis)] = value
                    document[f"_stored_{name}"] = value
                    document[name] = ""  # indexes nothing, and lets Whoosh store the value above
        return document

    def analysis_of_stored(self, stored: dict) -> str:
        return analysis_of(first_value(stored.get(self.language_field)))

    def branches(self, parsed_by_analysis: dict[str, query.Query]) -> query.Query:
        """One branch per analysis, each within the documents indexed that way."""
        return query.Or(
            [LanguageBranch(self.routing_field, analysis, tree) for analysis, tree in parsed_by_analysis.items()]
        )

    def mentions_text(self, tree: query.Query) -> bool:
        return any(getattr(part, "fieldname", None) in self.text_fields for part in tree.leaves())  # a leaf is its own

    def renamed(self, tree: query.Query, analysis: str) -> query.Query:
        """``tree`` with its text fields renamed to those of ``analysis``."""
        return renamed_fields(tree, self.renamer(analysis))

    def renamer(self, analysis: str):
        """The index field of each field a query names, for ``analysis``."""
        text_fields = self.text_fields
        return lambda fieldname: field_of(fieldname, analysis) if fieldname in text_fields else fieldname


def renamed_fields(tree: query.Query, renamer) -> query.Query:
    """``tree`` with each part's field renamed by ``renamer``: parts are copied, not changed."""

    def rename(part):
        fieldname = getattr(part, "fieldname", None)
        if fieldname is not None and renamer(fieldname) != fieldname:
            part = copy.copy(part)
            part.fieldname = renamer(fieldname)
        return part

    return tree.accept(rename)


class LanguageBranch(query.And):
    """``tree`` within the documents analysed as ``analysis``. Whoosh runs it as an And with a
    filter term boosted to score nothing; scoring.evaluate reads the filter as a remembered mask."""

    def __init__(self, routing_field: str, analysis: str, tree: query.Query):
        self.routing_field = routing_field
        self.analysis = analysis
        self.tree = tree
        super().__init__([query.Term(routing_field, analysis or "en", boost=0.0), tree])

    @property
    def routing_query(self) -> query.Query:
        return query.Term(self.routing_field, self.analysis or "en")

    def __eq__(self, other):
        return type(other) is type(self) and (self.routing_field, self.analysis, self.tree) == (
            other.routing_field, other.analysis, other.tree,
        )  # fmt: skip

    def __hash__(self):
        return hash((self.routing_field, self.analysis, self.tree))

    def apply(self, fn):
        return type(self)(self.routing_field, self.analysis, fn(self.tree))


def first_value(value) -> str:
    """A field's value as prepared for the index: multi-valued fields arrive joined by commas."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "").split(",")[0]
