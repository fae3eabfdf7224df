"""The key that title completion looks titles up by: the title folded, indexed in code point order.

``/api/suggest`` completes what a reader types with the titles that start with it, ignoring case
and accents ("mexico" finds "México’s…"). Comparing folded titles in the database would read
every row; instead each article stores ``title_key``, its title folded as entity names are
(``search.entity_names.folded``: accents and curly quotes folded, then ``casefold``) and cut to
``TITLE_KEY_LENGTH`` characters, and a B-tree index on it finds the titles that start with a
folded prefix as a range, ``prefix <= title_key < prefix_upper_bound(prefix)``.

A range is a prefix only in code point order. SQLite's default collation (BINARY, memcmp on
UTF-8) is that order; PostgreSQL's column collation is the database's, such as en_US.UTF-8,
whose order ignores spaces and punctuation at first and would leave titles out of the range,
so the column is declared ``COLLATE "C"`` there (``CodePointOrderCharField``). A LIKE 'prefix%'
would not do on both: SQLite's LIKE is case-insensitive and uses an index only with NOCASE
collation, PostgreSQL's needs a pattern_ops operator class or the C collation.

The key is stored data: it is set on every ``save`` and ``bulk_create`` (``article_title_key_fill``,
as the language is), and migration 0009 fills it for the articles before it. A change to the
folding changes what the keys should be, so it needs a migration that calls ``fill_title_keys``
again (tests/search/test_title_keys.py pins the folding of a few titles to catch one).
"""

from django.db import models

TITLE_KEY_LENGTH = 100
FILL_BATCH = 1000
# A collation comparing text in code point order, per database vendor; SQLite's default is one.
CODE_POINT_COLLATIONS = {"postgresql": "C"}


class CodePointOrderCharField(models.CharField):
    """A CharField compared and indexed in code point order on every supported database."""

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        parameters["collation"] = self.db_collation or CODE_POINT_COLLATIONS.get(connection.vendor)
        return parameters


def folded_title(text: str) -> str:
    """``text`` as keys compare it: accents and case folded, not cut."""
    # The extraction package loads with its matchers: on first use, not with the models.
    from .extraction.text import fold_accents

    return fold_accents(text).casefold()


def title_key(title: str) -> str:
    return folded_title(title)[:TITLE_KEY_LENGTH]


def article_title_key_fill(article) -> None:
    article.title_key = title_key(article.title or "")


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string after every string that starts with ``prefix``, in code point order: its
    last character's successor ("oil" -> "oim"); None when no string is after them all."""
    while prefix:
        following = ord(prefix[-1]) + 1
        if following <= 0x10FFFF:
            if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters: no text holds one
                following = 0xE000
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None


def fill_title_keys(article_model, batch: int = FILL_BATCH) -> int:
    """Set every article's ``title_key`` from its title, ``batch`` articles at a time (bounded
    memory at any archive size); for migrations, which pass their historical model. Returns the
    number of keys that changed. One UPDATE per changed row, sent with ``executemany``: the ORM's
    ``bulk_update`` builds a CASE of the whole batch and took 22 s of CPU for 100,000 articles."""
    from django.db import connections

    connection = connections[article_model.objects.db]
    quote = connection.ops.quote_name
    meta = article_model._meta
    update = "UPDATE {} SET {} = %s WHERE {} = %s".format(
        quote(meta.db_table), quote(meta.get_field("title_key").column), quote(meta.pk.column)
    )
    rows = article_model.objects.order_by("pk").values_list("pk", "title", "title_key")
    changed, last = 0, None
    while True:
        page = list((rows.filter(pk__gt=last) if last is not None else rows)[:batch])
        if not page:
            return changed
        stale = [(key, pk) for pk, title, stored in page if (key := title_key(title or "")) != stored]
        if stale:
            with connection.cursor() as cursor:
                cursor.executemany(update, stale)
        changed += len(stale)
        if len(page) < batch:
            return changed
        last = page[-1][0]
