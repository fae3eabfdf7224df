"""Entities found by the names readers type: names and aliases, ignoring case and accents.

Organisations and operations go by their name and their aliases. A country goes by its name in
the reader's language, its stored name and, when ``every_language`` is asked, its names in every
language of the site (CLDR, through Babel): a search for "España" or "Spain" then finds the same
articles for every reader, so a shared URL means one thing.

Matching compares folded text ("León" and "leon" are one). Aliases live in a JSON list that no
database prefix-matches portably, so each process keeps every entity's names, folded, and asks
the database whether they changed: one cheap query per kind (for organisations and operations
their count and latest ``updated_at``; a fixed list's rows are themselves the version, since a
country has no ``updated_at``). It asks at most once every ``NAMES_RECHECK_SECONDS``: asking on
every search cost three queries a search, most of a rare word's time at 100,000 articles. A save
in this process is seen at once (``forget``, on the entity models' signals); one in another
process within that second, the bound an editor's save already has to become findable.
"""

import time

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max
from django.utils.translation import get_language

from articles.extraction.text import fold_accents
from articles.shown_names import territory_names
from articles.tag_kinds import TagKindEntry

# Shorter typing completes only the starts of names: "in" would otherwise match every "… in …".
MIN_INSIDE_LENGTH = 3
NAMES_RECHECK_SECONDS = 1.0
_remembered: dict[tuple, tuple] = {}
_versions: dict[str, tuple[float, object]] = {}  # kind -> (when asked, version)
clock = time.monotonic


@dataclass(frozen=True)
class EntityNames:
    """One entity and the names it goes by, the shown name first, each also folded."""

    pk: int
    key: str
    names: tuple[str, ...]
    folded_names: tuple[str, ...]
    searchable: str  # the folded names in one string: most entities are ruled out by one ``in``

    @property
    def name(self) -> str:
        return self.names[0]


def folded(text: str) -> str:
    return fold_accents(text).casefold()


def entity_names(pk: int, key: str, names: list[str]) -> EntityNames:
    names = list(dict.fromkeys(name for name in names if name))
    folded_names = tuple(folded(name) for name in names)
    return EntityNames(pk, key, tuple(names), folded_names, "\n".join(folded_names))


def country_names(kind: TagKindEntry, rows, every_language: bool) -> list[EntityNames]:
    """Countries from (pk, code, stored name) rows, in the reader's language and the stored name."""
    languages = [code for code, _ in settings.LANGUAGES] if every_language else [get_language() or "en"]
    return [
        entity_names(pk, code, [kind.shown_name(code, stored), stored] + [territory_names(lang).get(code, "") for lang in languages])
        for pk, code, stored in rows
    ]


def named_entities(kind: TagKindEntry) -> list[EntityNames]:
    """Organisations or operations, by name and aliases."""
    rows = kind.model.objects.values_list("pk", kind.key, "name", "aliases")
    return [
        entity_names(pk, key, [name] + ([str(alias) for alias in aliases] if isinstance(aliases, list) else []))
        for pk, key, name, aliases in rows
    ]


def names_version(kind: TagKindEntry):
    if kind.fixed:
        return tuple(kind.model.objects.values_list("pk", kind.key, "name"))
    return tuple(kind.model.objects.aggregate(Count("pk"), Max("updated_at")).values())


def current_version(kind: TagKindEntry):
    """The kind's names version, asked of the database at most once every ``NAMES_RECHECK_SECONDS``."""
    now = clock()
    asked = _versions.get(kind.name)
    if asked is None or now - asked[0] >= NAMES_RECHECK_SECONDS:
        asked = _versions[kind.name] = (now, names_version(kind))
    return asked[1]


def forget(**_signal) -> None:
    """Ask the database again at the next use: an entity was saved or deleted in this process."""
    _versions.clear()


def remembered_entities(kind: TagKindEntry, every_language: bool) -> tuple:
    """(version, entities, keys by folded name) of the kind, remembered until the kind changes."""
    version = current_version(kind)
    key = (kind.name, get_language(), every_language)
    remembered = _remembered.get(key)
    if remembered is not None and remembered[0] is not version and remembered[0] == version:
        # Asked again and unchanged: kept with the version object now asked, so that the next
        # searches compare it by identity. Compared item by item, a fixed list's rows (some 250
        # countries) took 13.5 µs a search, 3.6 so (timeit, after a recheck).
        remembered = _remembered[key] = (version, *remembered[1:])
    if remembered is None or remembered[0] is not version:
        entities = country_names(kind, version, every_language) if kind.fixed else named_entities(kind)
        by_name: dict[str, list[str]] = {}
        for entity in entities:
            for folded_name in dict.fromkeys(entity.folded_names):
                by_name.setdefault(folded_name, []).append(entity.key)
        remembered = _remembered[key] = (version, entities, by_name)
    return remembered


def every_entity(kind: TagKindEntry, every_language: bool = False) -> list[EntityNames]:
    """Every entity of the kind with its names, remembered in this process until the kind changes."""
    return remembered_entities(kind, every_language)[1]


def match_rank(text: str, typed: str) -> int | None:
    """For folded text: 0 when it starts with ``typed``, 1 when a later word does, else None."""
    if text.startswith(typed):
        return 0
    if len(typed) < MIN_INSIDE_LENGTH:
        return None
    start = text.find(typed, 1)
    while start > 0:
        if not text[start - 1].isalnum():
            return 1
        start = text.find(typed, start + 1)
    return None


def best_name(entity: EntityNames, typed: str) -> tuple[int, str] | None:
    """(rank, name): the entity's name that best completes the folded ``typed`` (any name's start
    before a later word's, the shown name first among equals); None when none does."""
    if typed not in entity.searchable:
        return None
    found = []
    for order, (name, folded_name) in enumerate(zip(entity.names, entity.folded_names)):
        rank = match_rank(folded_name, typed)
        if rank is not None:
            found.append((rank, order, name))
    return min(found)[::2] if found else None


def entities_named(kind: TagKindEntry, text: str) -> list[str]:
    """The keys of the entities of this kind one of whose names is ``text``, ignoring case and accents."""
    wanted = folded(text.strip())
    if not wanted:
        return []
    return list(remembered_entities(kind, every_language=True)[2].get(wanted, ()))


def article_counts(kind: TagKindEntry, pks) -> dict[int, int]:
    """How many articles each of these entities tags, in one query over the tag links (on the index
    of their entity column); entities that tag none are left out."""
    links = kind.through.objects.filter(**{f"{kind.name}__in": list(pks)})
    return dict(links.values_list(kind.name).annotate(tagged=Count("pk")).order_by())
