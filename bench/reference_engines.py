"""The same articles and requests on two reference engines: tantivy and SQLite FTS5.

Each engine is loaded with the text, date and tags that NewsArchive's own database holds, and
answers a request the way ``run_search`` does: 20 hits (with a snippet for text queries), the
total, and all four facets (year, country, organisation, operation), each facet counted under
the other facets' filters but not its own. Text terms are ANDed, as in NewsArchive.

A document is a dict: ``id``, ``text``, ``title``, ``published`` (epoch seconds), ``year``,
``countries``, ``organisations``, ``operations``. A request is ``Request(words, filters, sort)``.
"""

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import tantivy

TAG_FIELDS = ("countries", "organisations", "operations")
FACET_FIELDS = ("year", *TAG_FIELDS)
PAGE_SIZE = 20


@dataclass(frozen=True)
class Request:
    words: tuple[str, ...] = ()
    filters: dict = field(default_factory=dict)  # tag field -> tuple of values (OR within a field)
    sort: str = "relevance"  # or "newest"


@dataclass
class Answer:
    total: int
    hits: list
    facets: dict  # facet field -> {value: count}


class TantivyEngine:
    """Text with tantivy's English stemmer; tags and year as raw fast fields for terms aggregations."""

    name = "tantivy"

    def __init__(self, path: Path):
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True)
        builder.add_text_field("title", stored=True)
        builder.add_text_field("text", stored=True, tokenizer_name="en_stem")
        builder.add_integer_field("published", stored=False, indexed=True, fast=True)
        for name in FACET_FIELDS:
            builder.add_text_field(name, stored=False, tokenizer_name="raw", fast=True)
        self.schema = builder.build()
        Path(path).mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(path))

    def load(self, docs) -> float:
        started = time.perf_counter()
        writer = self.index.writer(heap_size=256_000_000, num_threads=2)
        for doc in docs:
            fields = {"id": doc["id"], "title": doc["title"], "text": doc["text"], "published": doc["published"],
                      "year": doc["year"]}
            fields.update({name: list(doc[name]) for name in TAG_FIELDS if doc[name]})
            writer.add_document(tantivy.Document(**fields))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        return time.perf_counter() - started

    def text_query(self, words):
        return self.index.parse_query(" ".join(f"+{word}" for word in words), ["text"]) if words else None

    def filtered(self, text_query, filters, leave_out=None):
        clauses = [(tantivy.Occur.Must, text_query)] if text_query else []
        for name, values in filters.items():
            if name != leave_out and values:
                terms = [tantivy.Query.term_query(self.schema, name, value) for value in values]
                either = terms[0] if len(terms) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
                clauses.append((tantivy.Occur.Must, either))
        if not clauses:
            return tantivy.Query.all_query()
        return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)

    def facet_counts(self, query, names) -> dict:
        aggs = {name: {"terms": {"field": name, "size": 100_000}} for name in names}
        result = self.searcher.aggregate(query, aggs)
        return {name: {b["key"]: b["doc_count"] for b in result[name]["buckets"]} for name in names}

    def search(self, request: Request) -> Answer:
        text_query = self.text_query(request.words)
        query = self.filtered(text_query, request.filters)
        if request.sort == "newest" or not request.words:
            found = self.searcher.search(query, PAGE_SIZE, order_by_field="published", order=tantivy.Order.Desc)
        else:
            found = self.searcher.search(query, PAGE_SIZE)
        hits = []
        snippets = tantivy.SnippetGenerator.create(self.searcher, text_query, self.schema, "text") if text_query else None
        for _, address in found.hits:
            doc = self.searcher.doc(address)
            snippet = snippets.snippet_from_doc(doc).to_html() if snippets else doc["text"][0][:200]
            hits.append((doc["id"][0], doc["title"][0] if doc["title"] else "", snippet))
        selected = [name for name, values in request.filters.items() if values]
        facets = self.facet_counts(query, [name for name in FACET_FIELDS if name not in selected])
        for name in selected:
            facets.update(self.facet_counts(self.filtered(text_query, request.filters, leave_out=name), [name]))
        return Answer(found.count, hits, facets)


class Fts5Engine:
    """SQLite FTS5 with the porter tokenizer and bm25; facets by GROUP BY over a tags table."""

    name = "fts5"

    def __init__(self, path: Path):
        self.db = sqlite3.connect(str(path))
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, published INTEGER, year TEXT);
            CREATE VIRTUAL TABLE fts USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2');
            CREATE TABLE tags (doc INTEGER, kind TEXT, value TEXT);
            """
        )

    def load(self, docs) -> float:
        started = time.perf_counter()
        with self.db:
            for doc in docs:
                self.db.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", (doc["id"], doc["title"], doc["published"], doc["year"]))
                self.db.execute("INSERT INTO fts (rowid, text) VALUES (?, ?)", (doc["id"], doc["text"]))
                self.db.executemany("INSERT INTO tags VALUES (?, ?, ?)", [(doc["id"], name, value) for name in TAG_FIELDS for value in doc[name]])
            self.db.executescript(
                """
                CREATE INDEX tags_by_value ON tags (kind, value, doc);
                CREATE INDEX tags_by_doc ON tags (doc, kind, value);
                CREATE INDEX docs_by_date ON docs (published);
                INSERT INTO fts (fts) VALUES ('optimize');
                ANALYZE;
                """
            )
        return time.perf_counter() - started

    @staticmethod
    def match(words) -> str:
        return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)

    @staticmethod
    def filter_conditions(column: str, filters, leave_out=None) -> tuple[list[str], list]:
        conditions, args = [], []
        for name, values in filters.items():
            if name != leave_out and values:
                conditions.append(f"{column} IN (SELECT doc FROM tags WHERE kind = ? AND value IN ({','.join('?' * len(values))}))")
                args += [name, *values]
        return conditions, args

    def matched_sql(self, words, filters, leave_out=None) -> tuple[str, list]:
        """SQL selecting the ids of the documents matching the text and the filters."""
        if words:
            conditions, args = self.filter_conditions("+rowid", filters, leave_out)  # "+": keep FTS5 from looking up each rowid
            return " AND ".join(["SELECT rowid AS doc FROM fts WHERE fts MATCH ?", *conditions]), [self.match(words), *args]
        conditions, args = self.filter_conditions("id", filters, leave_out)
        return " AND ".join(["SELECT id AS doc FROM docs WHERE 1", *conditions]), args

    def facet_counts(self, matched: str, args: list, names) -> dict:
        counts = {name: {} for name in names}
        if "year" in names:
            counts["year"] = dict(self.db.execute(f"SELECT year, count(*) FROM docs WHERE id IN ({matched}) GROUP BY year", args))
        tag_names = [name for name in names if name != "year"]
        if tag_names:
            rows = self.db.execute(
                f"SELECT kind, value, count(*) FROM tags WHERE doc IN ({matched}) AND kind IN ({','.join('?' * len(tag_names))}) "
                "GROUP BY kind, value",
                [*args, *tag_names],
            )
            for kind, value, count in rows:
                counts[kind][value] = count
        return counts

    def search(self, request: Request) -> Answer:
        matched, args = self.matched_sql(request.words, request.filters)
        total = self.db.execute(f"SELECT count(*) FROM ({matched})", args).fetchone()[0]
        if request.words and request.sort != "newest":
            # Rank first, then make snippets for the 20 hits only (a snippet in the ranked query is made for every match).
            # The text match drives the ranked query; filters are IN-lists over the tags table.
            ids = [row[0] for row in self.db.execute(f"{matched} ORDER BY rank LIMIT {PAGE_SIZE}", args)]
            rows = self.db.execute(
                f"SELECT fts.rowid, docs.title, snippet(fts, 0, '<mark>', '</mark>', '…', 24) FROM fts "
                f"JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ? AND fts.rowid IN ({','.join('?' * len(ids))})",
                [self.match(request.words), *ids],
            )
            by_id = {row[0]: row for row in rows}
            hits = [by_id[doc_id] for doc_id in ids]
        else:
            hits = self.db.execute(
                f"SELECT docs.id, docs.title, substr(fts.text, 1, 200) FROM docs JOIN fts ON fts.rowid = docs.id "
                f"WHERE docs.id IN ({matched}) ORDER BY docs.published DESC LIMIT {PAGE_SIZE}",
                args,
            ).fetchall()
        selected = [name for name, values in request.filters.items() if values]
        if not request.words and not selected:  # browse all: the archive-wide counts, no IN over every id
            facets = {"year": dict(self.db.execute("SELECT year, count(*) FROM docs GROUP BY year"))}
            facets.update({name: {} for name in TAG_FIELDS})
            for kind, value, count in self.db.execute("SELECT kind, value, count(*) FROM tags GROUP BY kind, value"):
                facets[kind][value] = count
        else:
            facets = self.facet_counts(matched, args, [name for name in FACET_FIELDS if name not in selected])
        for name in selected:
            matched_without, args_without = self.matched_sql(request.words, request.filters, leave_out=name)
            facets.update(self.facet_counts(matched_without, args_without, [name]))
        return Answer(total, hits, facets)
