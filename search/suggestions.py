"""Completions for what someone is typing into the browser's search box (OpenSearch suggestions).

Entities come first, the ones that tag the most articles first, because that is what a reader is
most likely looking for; an entity that tags no article is never offered, since choosing it
would find nothing. Titles that start with what was typed follow, newest first. Entities match
by the start of any of their names, or from three letters on by the start of a later word
("Chile" finds "National Library of Chile"), ignoring case and accents (``entity_names``).
Titles match from two letters on by their start, ignoring case and accents too, through an
indexed key (``title_suggestions``).

Each completion carries the URL it leads to (the format's fourth column): an entity's filtered
search, an article's page.
"""

from dataclasses import dataclass
from itertools import islice

from django.db.models import Subquery
from django.utils.formats import date_format
from django.utils.translation import gettext

from articles.models import Article
from articles.tag_kinds import TAG_KINDS, TagKindEntry
from articles.title_keys import TITLE_KEY_LENGTH, folded_title, prefix_upper_bound

from .entity_names import article_counts, best_name, every_entity, folded
from .forms import clean_query_text
from .params import SearchParams

MAX_SUGGESTIONS = 10
MAX_TYPED_LENGTH = 100
MIN_TITLE_LENGTH = 2  # folded characters; see title_suggestions


@dataclass(frozen=True)
class Suggestion:
    text: str
    description: str
    url: str


@dataclass(frozen=True)
class RankedSuggestion:
    """An entity's suggestion and what ranks it: its article count, then how well it matched."""

    suggestion: Suggestion
    articles: int
    rank: int

    @property
    def order(self) -> tuple:
        return (-self.articles, self.rank, folded(self.suggestion.text))


def typed_text(raw: str) -> str:
    """What was typed, without control characters, cut to a length worth completing."""
    return clean_query_text(raw or "")[:MAX_TYPED_LENGTH].strip()


def entity_suggestions(kind: TagKindEntry, typed: str) -> list[RankedSuggestion]:
    """This kind's entities that complete ``typed`` and tag at least one article."""
    prefix = folded(typed)
    matched = {}
    for entity in every_entity(kind):
        best = best_name(entity, prefix)
        if best:
            matched[entity.pk] = (entity, *best)
    counts = article_counts(kind, matched)
    found = []
    for pk, articles in counts.items():
        entity, rank, text = matched[pk]
        url = SearchParams().url(**{kind.field: (entity.key,)})
        found.append(RankedSuggestion(Suggestion(text, entity_description(kind, entity.name, text), url), articles, rank))
    return found


def entity_description(kind: TagKindEntry, name: str, text: str) -> str:
    """The kind, and the entity's shown name when the completion is another of its names."""
    if text == name:
        return str(kind.label)
    return gettext("%(kind)s: %(name)s") % {"kind": kind.label, "name": name}


def title_suggestions(typed: str) -> list[Suggestion]:
    """The newest titles that start with ``typed``, ignoring case and accents, from two letters on.

    The titles are found as a range of their folded keys in the index (title_key, published_at,
    id), which holds the date too: the database sorts the matches' index entries, not their rows,
    and reads the rows of the ten it keeps. No index serves both a prefix and the date order, so
    that sort is the cost: one index entry per matching title, about 0.2 µs on SQLite, growing
    with how common the start is (taking only the first few hundred matches in key order would
    bound it but change the answers). One letter starts a tenth of an archive ("c": 9,659 of
    100,000 generated Reuters headlines, 1.8 ms of SQL) and names no title in particular; two
    letters start at most 4.6% there ("u.": 4,577, 0.6-0.9 ms), so titles wait for the second
    letter, while entities complete the first. docs/search.md has the figures.
    """
    rows = newest_titles(folded_title(typed))
    return [
        Suggestion(title, article_description(published_at), Article(slug=slug).get_absolute_url())
        for title, slug, published_at in rows
    ]


def newest_titles(prefix: str):
    """(title, slug, published_at) of the newest articles whose folded title starts with ``prefix``."""
    if len(prefix) < MIN_TITLE_LENGTH:
        return Article.objects.none().values_list("title", "slug", "published_at")
    key = prefix[:TITLE_KEY_LENGTH]
    matches = Article.objects.filter(title_key__gte=key)
    if upper := prefix_upper_bound(key):
        matches = matches.filter(title_key__lt=upper)
    newest = ("-published_at", "-id")
    if len(prefix) <= TITLE_KEY_LENGTH:
        chosen = Subquery(matches.order_by(*newest).values("pk")[:MAX_SUGGESTIONS])
    else:  # longer than a key: the titles that share the key's start, compared whole
        rows = matches.order_by(*newest).values_list("pk", "title").iterator()
        chosen = list(islice((pk for pk, title in rows if folded_title(title).startswith(prefix)), MAX_SUGGESTIONS))
    return Article.objects.filter(pk__in=chosen).order_by(*newest).values_list("title", "slug", "published_at")


def article_description(published_at) -> str:
    return gettext("Article, %(date)s") % {"date": date_format(published_at, "DATE_FORMAT")}


def suggest(typed: str) -> list[Suggestion]:
    """At most ``MAX_SUGGESTIONS`` completions: entities of every kind by article count, then titles."""
    if not typed:
        return []
    ranked = [found for kind in TAG_KINDS for found in entity_suggestions(kind, typed)]
    candidates = [found.suggestion for found in sorted(ranked, key=lambda found: found.order)]
    candidates += title_suggestions(typed)
    seen, unique = set(), []
    for suggestion in candidates:
        if folded(suggestion.text) not in seen:
            seen.add(folded(suggestion.text))
            unique.append(suggestion)
    return unique[:MAX_SUGGESTIONS]
