"""Organisations: the seed catalogue, alias matching, and candidates for editors to approve."""
import json
import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
from django.utils.text import slugify

from .entities import KnownEntity
from .gazetteer import DATA_DIR, english_words
from .operations import OPERATION_WORDS
from .text import fold_accents, is_word_boundary, next_word

ORGANISATION_SUFFIXES = (
    "Agency|Administration|Army|Association|Authority|Bank|Board|Brigade|Bureau|Cartel|Center|Centre|Coalition|"
    "Collective|Commission|Committee|Community|Corp|Corporation|Council|Court|Department|Federation|Force|Forces|"
    "Foundation|Front|Fund|Group|Inc|Institute|League|Ltd|Ministry|Movement|Office|Organisation|Organization|"
    "Party|Police|Service|Services|Society|Squad|Union|University"
)
CANDIDATE = re.compile(
    rf"\b(?:[A-Z][\w&.'-]*\s(?:(?:of|for|and|on|de|the)\s)?){{1,5}}(?:{ORGANISATION_SUFFIXES})\b"
)
CANDIDATE_LEADING_WORDS = frozenset({"The", "A", "An", "In", "On", "At", "By", "For", "From", "Of", "And", "But", "As", "If", "When", "While", "Its", "His", "Her", "Their", "This", "That"})


@dataclass(frozen=True)
class CatalogueEntry:
    surface: str
    slug: str
    not_before: frozenset[str]


def seed_organisations() -> list[KnownEntity]:
    """The organisations every fresh archive starts with (data/organisations.json)."""
    return [
        KnownEntity(entry["name"], slugify(entry["name"]), tuple(entry["aliases"]))
        for entry in seed_organisation_records()
    ]


@lru_cache(maxsize=1)
def seed_organisation_records() -> tuple[dict, ...]:
    return tuple(json.loads((DATA_DIR / "organisations.json").read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def reuters_org_code_slugs() -> dict[str, str]:
    """Reuters-21578 ORGS codes -> seed organisation slugs, for scoring against Reuters labels."""
    return json.loads((DATA_DIR / "reuters_org_codes.json").read_text(encoding="utf-8"))["codes"]


def _not_before(slug: str) -> frozenset[str]:
    for entry in seed_organisation_records():
        if slugify(entry["name"]) == slug:
            return frozenset(entry.get("not_before", ()))
    return frozenset()


def build_catalogue_automata(entities: list[KnownEntity]) -> tuple[ahocorasick.Automaton, ahocorasick.Automaton]:
    """Case-sensitive automaton for mixed-case text and an upper-case one for headlines.

    Acronyms that are also English words ("WHO", "AID") are left out of the upper-case one.
    """
    mixed, shouting = ahocorasick.Automaton(), ahocorasick.Automaton()
    for entity in entities:
        not_before = _not_before(entity.slug)
        for surface in (entity.name, *entity.aliases):
            surface = fold_accents(surface)
            entry = CatalogueEntry(surface, entity.slug, not_before)
            mixed.add_word(surface, entry)
            if not (surface.isupper() and surface.lower() in english_words()):
                shouting.add_word(surface.upper(), entry)
    for automaton in (mixed, shouting):
        automaton.make_automaton()
    return mixed, shouting


def find_catalogue_slugs(text: str, automaton: ahocorasick.Automaton) -> set[str]:
    """Slugs of catalogue entries named in text as whole words, longest match winning."""
    if len(automaton) == 0:
        return set()
    hits = []
    for end, entry in automaton.iter(text):
        start = end - len(entry.surface) + 1
        if is_word_boundary(text, start, end + 1) and next_word(text, end + 1).lower() not in entry.not_before:
            hits.append((start, end + 1, entry.slug))
    hits.sort(key=lambda hit: (hit[0], -hit[1]))
    slugs, covered_until = set(), -1
    for start, end, slug in hits:
        if start >= covered_until:
            slugs.add(slug)
            covered_until = end
    return slugs


def organisation_candidates(text: str, known_surfaces: frozenset[str]) -> frozenset[str]:
    """Capitalised phrases ending in an organisation word ("Milenio Group") that the catalogue lacks."""
    found = set()
    for match in CANDIDATE.finditer(text):
        words = match.group(0).split()
        while words and (words[0] in CANDIDATE_LEADING_WORDS or words[0].endswith("'s")):
            words = words[1:]
        name = " ".join(words)
        if len(words) >= 2 and words[0] not in (*OPERATION_WORDS, "Op") and name.lower() not in known_surfaces:
            found.add(name)
    return frozenset(found)
