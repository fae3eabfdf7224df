"""Title completion through the indexed title key: the key follows the title on every write path
and in the migration, matches ignore case and accents, the newest come first, and the database
finds them through the index on SQLite and on PostgreSQL alike (``make test-postgres``)."""

from datetime import datetime, timedelta, timezone
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article
from articles.title_keys import TITLE_KEY_LENGTH, fill_title_keys, prefix_upper_bound, title_key
from search.entity_names import folded
from search.suggestions import MAX_SUGGESTIONS, newest_titles, suggest, title_suggestions
from tests.factories import ArticleFactory

DAY = datetime(2011, 6, 15, 12, 0, tzinfo=timezone.utc)


def titles(typed: str) -> list[str]:
    return [suggestion.text for suggestion in title_suggestions(typed)]


def unsaved(n: int, title: str, **fields) -> Article:
    return Article(title=title, slug=f"bulk-{n}", **{"published_at": DAY, "language": "en", **fields})


# The key follows the title ------------------------------------------------------------------------


def test_the_key_is_the_folded_title_on_save_and_follows_an_edit(db):
    article = ArticleFactory(title="México’s Cartel Wars")
    assert Article.objects.get(pk=article.pk).title_key == "mexico's cartel wars"
    article.title = "STRASSE Of Señales"
    article.save()
    assert Article.objects.get(pk=article.pk).title_key == "strasse of senales"


def test_a_save_of_the_title_alone_saves_its_key(db):
    article = ArticleFactory(title="Old headline")
    article.title = "Nueva operación"
    article.save(update_fields=["title"])
    assert Article.objects.get(pk=article.pk).title_key == "nueva operacion"


def test_bulk_create_fills_the_key(db):
    Article.objects.bulk_create([unsaved(1, "Árbol caído"), unsaved(2, "ÉPOCA nueva")])
    assert sorted(Article.objects.values_list("title_key", flat=True)) == ["arbol caido", "epoca nueva"]


def test_the_key_is_cut_to_its_length(db):
    article = ArticleFactory(title="Á" * 300)
    assert Article.objects.get(pk=article.pk).title_key == "a" * TITLE_KEY_LENGTH


@pytest.mark.parametrize(
    "title, key",
    [
        ("México’s “war” – day 2", "mexico's \"war\" - day 2"),
        ("Straße", "strasse"),
        ("ÉLITE Ñandú", "elite nandu"),
        ("İstanbul", "istanbul"),
    ],
)
def test_the_folding_of_stored_keys_is_pinned(title, key):
    """Keys are stored: if the folding changes (articles.extraction.text.fold_accents), the stored
    keys no longer match what readers type until a migration refills them (fill_title_keys)."""
    assert title_key(title) == key
    assert folded(title) == key  # the same folding as the entity names the suggestions list first


def test_the_migration_fills_the_keys_in_batches(db, django_assert_max_num_queries):
    Article.objects.bulk_create([unsaved(n, f"Título {n}") for n in range(7)])
    Article.objects.update(title_key="")
    migration = import_module("articles.migrations.0009_article_title_key")
    migration.fill_title_keys(django_apps, None)
    assert sorted(Article.objects.values_list("title_key", flat=True)) == sorted(f"titulo {n}" for n in range(7))
    Article.objects.filter(title="Título 3").update(title_key="stale")
    with django_assert_max_num_queries(4):  # pages of 3, 3 and 1, then one update
        assert fill_title_keys(Article, batch=3) == 1
    assert Article.objects.get(title="Título 3").title_key == "titulo 3"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as the suite: countries come back
def test_migrating_an_archive_fills_its_keys_and_indexes_them():
    executor = MigrationExecutor(connection)
    executor.migrate([("articles", "0008_translatable_labels")])
    executor.loader.build_graph()
    old_article = executor.loader.project_state([("articles", "0008_translatable_labels")]).apps.get_model(
        "articles", "Article"
    )
    old_article.objects.create(title="Ópera de Pekín", slug="opera", published_at=DAY)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Article.objects.get(slug="opera").title_key == "opera de pekin"
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Article._meta.db_table)
    assert indexes["article_title_key"]["columns"] == ["title_key", "published_at", "id"]


# What is found ------------------------------------------------------------------------------------


def test_titles_match_their_start_ignoring_case_and_accents(db):
    ArticleFactory(title="México’s cartel wars")
    ArticleFactory(title="Mexican peso falls")
    ArticleFactory(title="A report on México")  # not at the start
    assert titles("mexico") == ["México’s cartel wars"]
    assert titles("MÉXICO'S") == ["México’s cartel wars"]
    assert sorted(titles("Méx")) == ["Mexican peso falls", "México’s cartel wars"]
    assert titles("mexico’s c") == ["México’s cartel wars"]
    assert titles("mexicos") == []


def test_the_start_is_exact_at_the_edges_of_the_range(db):
    ArticleFactory(title="Oil prices")
    ArticleFactory(title="Oil\U0001f6e2 emoji")  # after every letter in code point order
    ArticleFactory(title="Oim")  # the range's upper bound itself
    ArticleFactory(title="Oi l")
    ArticleFactory(title="oik")
    assert sorted(titles("oil")) == ["Oil prices", "Oil\U0001f6e2 emoji"]
    assert titles("oi ") == ["Oi l"]


def test_spaces_and_punctuation_count(db):
    """In PostgreSQL's usual collations (en_US.UTF-8) "us" sorts among "u.s."; the key does not."""
    ArticleFactory(title="U.S. oil output")
    ArticleFactory(title="US Steel")
    ArticleFactory(title="U S bonds")
    assert titles("u.s") == ["U.S. oil output"]
    assert titles("us") == ["US Steel"]
    assert titles("u s") == ["U S bonds"]


def test_the_newest_ten_come_first(db):
    for n in range(15):
        ArticleFactory(title=f"Zorro part {n}", published_at=DAY + timedelta(days=n))
    ArticleFactory(title="Zorro tie", published_at=DAY + timedelta(days=14))  # same day: the later id first
    ArticleFactory(title="Other news", published_at=DAY + timedelta(days=30))
    assert titles("zorro") == ["Zorro tie"] + [f"Zorro part {n}" for n in range(14, 5, -1)]
    assert len(titles("zorro")) == MAX_SUGGESTIONS


def test_one_letter_completes_entities_but_not_titles(db):
    ArticleFactory(title="Zorro rides again")
    assert titles("z") == []
    assert titles("zo") == ["Zorro rides again"]
    assert [s.text for s in suggest("zo")] == ["Zorro rides again"]


def test_typing_longer_than_the_key_compares_the_whole_title(db):
    start = "Breaking " + "x" * (TITLE_KEY_LENGTH - 9)
    ArticleFactory(title=start + " first ending", published_at=DAY)
    ArticleFactory(title=start + " second ending", published_at=DAY + timedelta(days=1))
    assert titles(start) == [start + " second ending", start + " first ending"]
    assert titles(start + " FIRST") == [start + " first ending"]
    assert titles(start + " third") == []


@pytest.mark.parametrize(
    "prefix, bound",
    [("oil", "oim"), ("a\U0010ffff", "b"), ("\U0010ffff", None), ("\ud7ff", "\ue000"), ("", None)],
)
def test_the_upper_bound_of_a_prefix(prefix, bound):
    assert prefix_upper_bound(prefix) == bound


# The index is used --------------------------------------------------------------------------------


def query_plan(queryset) -> str:
    """The plan of ``queryset`` as the database would run it with an archive's worth of rows: on
    PostgreSQL a sequential scan is ruled out, as a few test rows would make it the cheapest."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            return queryset.explain()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = on")
    return queryset.explain()


def test_the_titles_are_found_through_the_key_index(db):
    # A selective prefix, as typing makes it: where every title matched, walking the date index
    # would be the right plan. The statistics are gathered as migration 0009 gathers them.
    for n in range(60):
        ArticleFactory(title=f"Headline {n}" if n % 20 == 0 else f"Story number {n}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Article._meta.db_table}")
    plan = query_plan(newest_titles("headl"))
    assert "article_title_key" in plan, plan
    if connection.vendor == "sqlite":
        # The matches are ranged and sorted in the index alone; only the chosen rows are read.
        assert "COVERING INDEX article_title_key (title_key>? AND title_key<?)" in plan, plan
        assert "SCAN articles_article" not in plan, plan
    else:
        # An index scan, an index-only scan or a bitmap scan of the key index, as the planner prefers.
        uses_key_index = ("Index Only Scan using article_title_key", "Index Scan using article_title_key",
                          "Bitmap Index Scan on article_title_key")  # fmt: skip
        assert any(way in plan for way in uses_key_index), plan
        # The prefix is the index's range condition (PostgreSQL may print the column cast to text).
        ranged = [line for line in plan.splitlines() if "Index Cond" in line and "title_key" in line]
        assert ranged and ">= 'headl'" in ranged[0] and "< 'headm'" in ranged[0], plan
        assert "Seq Scan" not in plan, plan


def test_the_key_column_compares_in_code_point_order(db):
    """PostgreSQL's database collation may be a language's; the key's column is "C" there."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                [Article._meta.db_table, "title_key"],
            )
            assert cursor.fetchone() == ("C",)
    for n, title in enumerate(["us", "u.s", "u s", "é", "z", "a"]):
        ArticleFactory(title=title, slug=f"order-{n}")
    stored = list(Article.objects.order_by("title_key").values_list("title_key", flat=True))
    assert stored == sorted(stored)  # Python's str order is code point order


def test_the_answers_are_those_of_comparing_every_folded_title(db):
    """Against the definition, on titles made of the awkward characters: accents, "ß" (two letters
    folded), curly quotes, spaces, punctuation, a character beyond the Basic Multilingual Plane;
    dates repeat, so the order among equals counts too."""
    import random

    rng = random.Random(7)
    alphabet = ["a", "A", "á", "Á", "b", "ß", "s", "S", " ", ".", "’", "'", "\U0001f600", "z"]
    articles = Article.objects.bulk_create(
        unsaved(n, "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))),
                published_at=DAY + timedelta(days=rng.randrange(5)))  # fmt: skip
        for n in range(300)
    )
    newest_first = sorted(articles, key=lambda article: (article.published_at, article.pk), reverse=True)
    tried = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(150)} | {"ss", "s", "ß"}
    for typed in sorted(tried):
        expected = [a.title for a in newest_first if folded(a.title).startswith(folded(typed))][:MAX_SUGGESTIONS]
        if len(folded(typed)) < 2:
            expected = []
        assert titles(typed) == expected, typed
