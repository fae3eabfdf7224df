"""Institutions named by a country and a kind: "Colombian Defence Ministry", "Spanish police", "U.S. Treasury".

A country's name or demonym (from the place table, so its variants and the misspelling "Columbian"
count too) followed by an institution word is that country's institution. Its key, (country, kind,
topic), ignores the words that do not tell two institutions apart ("National", "Federal"), so
"Chilean Library" and "National Library of Chile" are one; the catalogue's names and aliases are
read the same way, and a key that one catalogue organisation holds is that organisation. Otherwise
the institution gets one consistent name, "Ministry of Defence (Colombia)", as a suggestion for
editors. docs/extraction.md (section Organisations) states each rule.
"""
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import babel

from .countries import PlaceMention, find_place_mentions
from .entities import KnownEntity
from .text import fold_accents

KINDS = {  # institution word as written, lower case -> its name
    "ministry": "Ministry", "police": "Police", "army": "Army", "navy": "Navy", "air force": "Air Force",
    "library": "Library", "treasury": "Treasury", "presidency": "Presidency", "parliament": "Parliament",
    "central bank": "Central Bank", "coast guard": "Coast Guard", "customs": "Customs", "senate": "Senate",
    "supreme court": "Supreme Court", "embassy": "Embassy", "intelligence service": "Intelligence Service",
}
NOT_TELLING = frozenset({"national", "federal", "royal", "state", "the"})  # "Spanish National Police" is the "Spanish police"
SPELLINGS = {"defense": "defence", "labor": "labour"}
TOPIC_NAMES = {"foreign": "Foreign Affairs"}
KIND = "|".join(sorted((re.escape(kind) for kind in KINDS), key=len, reverse=True))
TOPIC_WORD = r"(?!The\b)[A-Z][a-z]+"
TOPIC = rf"{TOPIC_WORD}(?:(?: and)? {TOPIC_WORD}){{0,2}}"  # "Defence", "Foreign Affairs", "Trade and Industry"
# After the place: "'s" optionally, then "Defence Ministry", "Ministry of Defence", "National Library", "police"...
NOT_TELLING_WORD = r"(?:national|federal|royal|state) "  # lower case too: "Chile's national library"
AFTER_PLACE = re.compile(rf"(?:'s)? ((?:{TOPIC_WORD} |{NOT_TELLING_WORD}){{0,2}})((?i:{KIND}))\b(?: of ({TOPIC}))?")
# Before the place: "Ministry of Defence of Syria", "National Library of Chile", "Presidency of Colombia".
BEFORE_PLACE = re.compile(rf"((?:{TOPIC_WORD} ){{0,2}})((?i:{KIND}))(?: of ({TOPIC}))? of (?:the )?$")
SUGGESTED_NAME = re.compile(rf"((?:{TOPIC_WORD} ){{0,2}})((?i:{KIND}))(?: of ({TOPIC}))? \((.+)\)")


@dataclass(frozen=True)
class Institution:
    country: str
    kind: str
    topic: str
    start: int
    end: int

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.country, self.kind, self.topic)

    @property
    def name(self) -> str:
        """The consistent name given to an institution the catalogue lacks: "Ministry of Defence (Colombia)"."""
        kind = KINDS[self.kind]
        if self.topic:
            topic = TOPIC_NAMES.get(self.topic) or " ".join(word if word == "and" else word.capitalize() for word in self.topic.split())
            kind = f"{kind} of {topic}" if self.kind == "ministry" else f"{topic} {kind}"
        return f"{kind} ({country_name(self.country)})"


def country_name(code: str) -> str:
    return babel.Locale("en").territories.get(code, code)


@lru_cache(maxsize=1)
def country_codes_by_name() -> dict[str, str]:
    return {fold_accents(name): code for code, name in babel.Locale("en").territories.items() if len(code) == 2 and code.isalpha()}


def suggested_institution(name: str) -> Institution | None:
    """The institution a name given by Institution.name stands for ("Ministry of Defence (Colombia)"),
    so that a suggestion an editor approved claims the later mentions of that institution."""
    match = SUGGESTED_NAME.fullmatch(fold_accents(name))
    code = match and country_codes_by_name().get(match.group(4))
    if not code:
        return None
    return Institution(code, match.group(2).lower(), topic_key(f"{match.group(1)} {match.group(3) or ''}"), 0, len(name))


def topic_key(words: str) -> str:
    """"National Defence " -> "defence": lower case, one spelling, words that tell nothing dropped."""
    kept = " ".join(SPELLINGS.get(word, word) for word in words.lower().split() if word not in NOT_TELLING)
    return next((key for key, name in TOPIC_NAMES.items() if name.lower() == kept), kept)


def find_institutions(text: str, places: Iterable[PlaceMention]) -> list[Institution]:
    """Institutions of a country named by its demonym or name in mixed-case text, in order.

    The kind may be lower case ("Spanish police"); the words that name a ministry's field must be
    capitalised ("Defence Ministry", "Ministry of Defence"), so "Spanish authorities and police" is not one.
    """
    found: list[Institution] = []
    for place in places:
        if place.place.kind not in ("country", "demonym") or (found and place.start < found[-1].end):
            continue
        after = AFTER_PLACE.match(text, place.end)
        if after:
            kind = after.group(2).lower()
            of_topic = after.group(3) if kind == "ministry" else None
            end = after.end() if of_topic else after.end(2)
            found.append(Institution(place.place.country, kind, topic_key(f"{after.group(1)} {of_topic or ''}"), place.start, end))
            continue
        before = BEFORE_PLACE.search(text, max(0, place.start - 80), place.start)
        if before and before.group(2)[:1].isupper() and not (found and before.start() < found[-1].end):
            kind = before.group(2).lower()
            found.append(Institution(place.place.country, kind, topic_key(f"{before.group(1)} {before.group(3) or ''}"), before.start(), place.end))
    return found


def catalogue_institutions(organisations: Iterable[KnownEntity]) -> dict[tuple[str, str, str], str]:
    """(country, kind, topic) -> slug, for the catalogue's names and aliases that name a country's
    institution; a key that two organisations hold is left out (no guess)."""
    owners: dict[tuple[str, str, str], set[str]] = {}
    for entity in organisations:
        for surface in (entity.name, *entity.aliases):
            surface = fold_accents(surface)
            named = [*find_institutions(surface, find_place_mentions(surface, shouting=False)), suggested_institution(surface)]
            for institution in named:
                if institution and institution.start == 0 and institution.end == len(surface):
                    owners.setdefault(institution.key, set()).add(entity.slug)
    return {key: slugs.pop() for key, slugs in owners.items() if len(slugs) == 1}


def home_countries(institutions: dict[tuple[str, str, str], str]) -> dict[str, str]:
    """Slug -> the country whose institution it is, for the catalogue's national institutions."""
    return {slug: country for (country, _, _), slug in institutions.items()}
