"""Organisations: the seed catalogue, alias matching, and candidates for editors to approve."""
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
from django.utils.text import slugify

from .countries import ZONE_WEIGHTS
from .entities import KnownEntity
from .gazetteer import DATA_DIR, english_words, person_names
from .operations import OPERATION_WORDS
from .text import fold_accents, is_word_boundary, next_word

ORGANISATION_SUFFIXES = (
    "Agency|Administration|Army|Association|Authority|Bank|Board|Brigade|Bureau|Cartel|Center|Centre|Coalition|"
    "Collective|Commission|Committee|Community|Corp|Corporation|Council|Court|Department|Federation|Force|Forces|"
    "Foundation|Front|Fund|Group|Inc|Institute|League|Ltd|Ministry|Movement|Office|Organisation|Organization|"
    "Party|Police|Service|Services|Society|Squad|Union|University"
)
ORGANISATION_ABOUTNESS_THRESHOLD = 1.5
COMPANY_WORDS = frozenset({"corp", "co", "inc", "ltd", "plc", "spa", "ag", "sa", "nv", "bhd", "gmbh", "corporation", "incorporated"})
TICKER_AFTER = re.compile(r"(?: [A-Z][\w&'.-]*){0,3} <[A-Z]")
CANDIDATE = re.compile(
    rf"\b(?:[A-Z][\w&.'-]*\s(?:(?:of|for|and|on|de|the)\s)?){{1,5}}(?:{ORGANISATION_SUFFIXES})\b"
)
# Spanish puts the organisation word first: "Policía Federal", "Ministerio de Cultura", "Cártel de Jalisco".
SPANISH_ORGANISATION_HEADS = (
    "Agencia|Asociacion|Banco|Brigada|Camara|Cartel|Comision|Comite|Consejo|Corte|Departamento|Direccion|Ejercito|"
    "Federacion|Fiscalia|Frente|Fuerzas?|Fundacion|Grupo|Guardia|Instituto|Juzgado|Ministerio|Movimiento|Oficina|"
    "Organizacion|Partido|Policia|Procuraduria|Secretaria|Servicio|Sindicato|Tribunal|Unidad|Universidad"
)
SPANISH_CANDIDATE = re.compile(
    rf"(?<!Operacion )(?<!Operativo )\b(?:{SPANISH_ORGANISATION_HEADS})(?: (?:(?:de|del|de la|de las|de los|para la|para el|y) )?[A-Z][\w&'-]*){{1,5}}"
)
CANDIDATE_LEADING_WORDS = frozenset({
    "The", "A", "An", "In", "On", "At", "By", "For", "From", "Of", "And", "But", "As", "If", "When", "While", "Its", "His",
    "Her", "Their", "This", "That",
    "El", "La", "Los", "Las", "Un", "Una", "Del", "Al", "En", "Por", "Con", "Para", "Su", "Sus", "Y", "Que", "Este", "Esta",
})


@dataclass(frozen=True)
class CatalogueEntry:
    surface: str
    slug: str
    not_before: frozenset[str]
    country: str = ""  # the home country, for an alias two organisations share ("Policía Nacional")


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


@lru_cache(maxsize=1)
def seed_home_countries() -> dict[str, str]:
    """Slug -> home country of the seed's national institutions (a record's "country": the FBI is the US's)."""
    return {slug: record["country"] for slug, record in _seed_records_by_slug().items() if record.get("country")}


@lru_cache(maxsize=1)
def _seed_records_by_slug() -> dict[str, dict]:
    return {slugify(entry["name"]): entry for entry in seed_organisation_records()}


def build_catalogue_automata(entities: list[KnownEntity]) -> tuple[ahocorasick.Automaton, ahocorasick.Automaton]:
    """Case-sensitive automaton for mixed-case text and an upper-case one for headlines.

    Each surface maps to every entry that claims it. Acronyms that are also English words
    ("WHO", "AID") are left out of the upper-case one. Acronyms of four letters or more are also
    matched as written in British style ("Opec", "Nato", "Gatt"), unless that is a word or a name.
    """
    mixed: dict[str, list[CatalogueEntry]] = {}
    shouting: dict[str, list[CatalogueEntry]] = {}
    for entity in entities:
        seed = _seed_records_by_slug().get(entity.slug, {})
        not_before, country = frozenset(seed.get("not_before", ())), seed.get("country", "")
        for surface in dict.fromkeys(fold_accents(surface) for surface in (entity.name, *entity.aliases)):
            entry = CatalogueEntry(surface, entity.slug, not_before, country)
            mixed.setdefault(surface, []).append(entry)
            if not (surface.isupper() and surface.lower() in english_words()):
                shouting.setdefault(surface.upper(), []).append(entry)
    for surface, entries in list(mixed.items()):
        written = surface.capitalize()
        if is_long_acronym(surface) and written not in mixed and written.lower() not in english_words() and written not in person_names():
            mixed[written] = entries
    return _automaton(mixed), _automaton(shouting)


def is_long_acronym(surface: str) -> bool:
    return len(surface) >= 4 and surface.isalpha() and surface.isupper()


def _automaton(entries_by_surface: dict[str, list[CatalogueEntry]]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, entries in entries_by_surface.items():
        automaton.add_word(key, (len(key), tuple(entries)))
    automaton.make_automaton()
    return automaton


@dataclass(frozen=True)
class OrganisationMention:
    slug: str
    start: int
    end: int


def find_catalogue_mentions(text: str, automaton: ahocorasick.Automaton, places=(), about=frozenset()) -> list[OrganisationMention]:
    """Catalogue entries named in text as whole words, longest match winning, in order.

    A line break inside a name is a space (wire copy is hard-wrapped: "the African\nDevelopment Bank").
    "non-OPEC producers" and "non-EC countries" name everyone but the organisation, so they do not count.
    places (the place mentions in text) and about (the article's countries) decide a surface that
    two organisations share: see shared_surface_slug. An acronym stands for a name named before it
    whose initials it spells ("African Development Bank ... ADB"), or for the name it follows in
    brackets (spaces inside too: "( EFTA)") or between commas, which it restates: "General Agreement on
    Tariffs and Trade (GATT)" and "the Association of Tin Producing Countries, ATPC, said" are one mention each.
    """
    if len(automaton) == 0:
        return []
    text = text.replace("\n", " ")
    hits = []
    for end, (length, entries) in automaton.iter(text):
        start = end - length + 1
        if is_word_boundary(text, start, end + 1) and text[max(0, start - 4) : start].lower() != "non-":
            following = next_word(text, end + 1).lower()
            entries = tuple(entry for entry in entries if following not in entry.not_before)
            entries = tuple(entry for entry in entries if not (entry.surface.isupper() and is_company_name(text, start, end + 1)))
            if entries:
                hits.append((start, end + 1, entries))
    hits.sort(key=lambda hit: (hit[0], -hit[1]))
    mentions, covered_until = [], -1
    defined: dict[str, str] = {}  # "Organización Internacional del Café (OIC)": OIC is the coffee body here
    previous_end, previous_slug = -1, ""
    for start, end, entries in hits:
        if start < covered_until:
            continue
        surface = entries[0].surface
        bracketed = bool(previous_slug) and (
            (text[previous_end:start] in ("(", " (", "( ", " ( ") and text[end : end + 2].lstrip(" ")[:1] == ")")
            or (text[previous_end:start] == ", " and text[end : end + 1] in (",", ".") and surface.isupper())
        )
        if bracketed:
            defined[surface] = previous_slug
        slug = defined.get(surface) or shared_surface_slug(entries, (start, end), places, about)
        if slug and not (bracketed and slug == previous_slug):
            mentions.append(OrganisationMention(slug, start, end))
            defined.setdefault(initials(surface), slug)
        covered_until, previous_end, previous_slug = end, end, slug
    return mentions


def initials(name: str) -> str:
    """"African Development Bank" -> "ADB", "General Agreement on Tariffs and Trade" -> "GATT"; "" for one word."""
    words = [word for word in re.split(r"[\s-]+", name) if word[:1].isupper()]
    return "".join(word[0] for word in words) if len(words) > 1 else ""


def is_company_name(text: str, start: int, end: int) -> bool:
    """An acronym that is a stock ticker ("Engelhard Corp <EC>"), or part of a company's name: a company word follows
    ("Olivetti EC SpA"), or the company's ticker does, after at most three capitalised words ("IMO Delaval <IMD>")."""
    return text[start - 1 : start] == "<" or next_word(text, end).lower() in COMPANY_WORDS or bool(TICKER_AFTER.match(text, end))


def find_catalogue_slugs(text: str, automaton: ahocorasick.Automaton, places=(), about=frozenset()) -> set[str]:
    """Slugs of the catalogue entries named in text (find_catalogue_mentions)."""
    return {mention.slug for mention in find_catalogue_mentions(text, automaton, places, about)}


def about_organisations(zones: dict[str, list[OrganisationMention]], home_countries=None, countries=frozenset()) -> frozenset[str]:
    """The organisations a story is about: each mention scores its zone's weight (as countries do),
    and a name must reach the threshold: named in the headline or the opening, or twice further on.

    A national institution of a country the story is about (home_countries: slug -> country) needs
    only to be named: the Colombian presidency in a story about Colombia is part of that story.
    """
    scores: dict[str, float] = defaultdict(float)
    for zone, mentions in zones.items():
        for mention in mentions:
            scores[mention.slug] += ZONE_WEIGHTS[zone]
    home_countries = home_countries or {}
    return frozenset(
        slug
        for slug, score in scores.items()
        if score >= ORGANISATION_ABOUTNESS_THRESHOLD or (home_countries.get(slug) in countries and score >= ZONE_WEIGHTS["body"])
    )


def shared_surface_slug(entries: tuple[CatalogueEntry, ...], span: tuple[int, int], places, about: frozenset[str]) -> str:
    """"Policía Nacional" is Spain's or Colombia's: the one whose country is named nearest, else the one
    whose country the article is about; "" when neither tells. A surface without rival home countries
    goes to the last entity that claims it, as it always did ("FBI" in a catalogue holding it twice)."""
    by_country = {entry.country: entry.slug for entry in entries if entry.country}
    if len(by_country) < 2:
        return entries[-1].slug
    start, end = span
    named = sorted(
        (place.start - end if place.start >= end else start - place.end, place.place.country)
        for place in places
        if place.place.country in by_country
    )
    if named:
        return by_country[named[0][1]]
    about_countries = [country for country in by_country if country in about]
    return by_country[about_countries[0]] if len(about_countries) == 1 else ""


def organisation_candidates(text: str, known_surfaces: frozenset[str]) -> frozenset[str]:
    """Capitalised phrases ending in an organisation word ("Milenio Group"), or in Spanish starting with one
    ("Policia Federal"), that the catalogue lacks."""
    found = set()
    for match in [*CANDIDATE.finditer(text), *SPANISH_CANDIDATE.finditer(text)]:
        words = match.group(0).split()
        while words and (words[0] in CANDIDATE_LEADING_WORDS or words[0].endswith("'s")):
            words = words[1:]
        name = " ".join(words)
        if len(words) >= 2 and words[0] not in (*OPERATION_WORDS, "Op") and name.lower() not in known_surfaces:
            found.add(name)
    return frozenset(found)
