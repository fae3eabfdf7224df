"""Completions for what someone is typing into the browser's search box (OpenSearch suggestions).

Organisations and operations match by name or alias, titles by their start. Matching ignores case
and accents ("leon" finds "León") by comparing folded text; the database does the narrowing, on
the unique slug index for names, so each keystroke stays cheap.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext

from articles.extraction.text import fold_accents
from articles.models import Article
from articles.tag_kinds import TAG_KINDS

from .forms import clean_query_text

MAX_SUGGESTIONS = 10
MAX_TYPED_LENGTH = 100


@dataclass(frozen=True)
class Suggestion:
    text: str
    description: str
    url: str


def folded(text: str) -> str:
    return fold_accents(text).casefold()


def typed_text(raw: str) -> str:
    """What was typed, without control characters, cut to a length worth completing."""
    return clean_query_text(raw or "")[:MAX_TYPED_LENGTH].strip()


def entity_suggestions(model, typed: str, kind: str) -> list[Suggestion]:
    prefix = folded(typed)
    by_name = Q(name__istartswith=typed)
    if slugify(typed):
        by_name |= Q(slug__startswith=slugify(typed))  # slugs are accent-folded names
    rows = list(model.objects.filter(by_name).order_by("name").values_list("name", "aliases", "slug")[:MAX_SUGGESTIONS])
    # Aliases live in a JSON list the database cannot prefix-match portably; entities are few.
    rows += list(model.objects.exclude(aliases=[]).exclude(by_name).values_list("name", "aliases", "slug"))
    found = []
    for name, aliases, slug in rows:
        url = model(name=name, slug=slug).get_absolute_url()
        if folded(name).startswith(prefix):
            found.append(Suggestion(name, kind, url))
        aliases = [str(alias) for alias in aliases] if isinstance(aliases, list) else []
        described = gettext("%(kind)s: %(name)s") % {"kind": kind, "name": name}
        found += [Suggestion(alias, described, url) for alias in aliases if folded(alias).startswith(prefix)]
    return found


def title_suggestions(typed: str) -> list[Suggestion]:
    rows = Article.objects.filter(title__istartswith=typed).order_by("-published_at")
    rows = rows.values_list("title", "slug", "published_at")
    return [
        Suggestion(title, article_description(published_at), Article(slug=slug).get_absolute_url())
        for title, slug, published_at in rows[:MAX_SUGGESTIONS]
    ]


def article_description(published_at) -> str:
    return gettext("Article, %(date)s") % {"date": date_format(published_at, "DATE_FORMAT")}


def suggest(typed: str) -> list[Suggestion]:
    """At most ``MAX_SUGGESTIONS`` completions: organisations, operations (the named kinds), then titles."""
    if not typed:
        return []
    candidates = []
    for kind in TAG_KINDS:
        if not kind.fixed:
            candidates += entity_suggestions(kind.model, typed, str(kind.label))
    candidates += title_suggestions(typed)
    seen, unique = set(), []
    for suggestion in candidates:
        if folded(suggestion.text) not in seen:
            seen.add(folded(suggestion.text))
            unique.append(suggestion)
    return unique[:MAX_SUGGESTIONS]
