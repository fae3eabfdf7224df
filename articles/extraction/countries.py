"""Countries an article is about: gazetteer matches, ambiguity rules, then aboutness scoring.

Each rule is one small function so that docs/extraction.md and the tests can name it.
"""
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from .gazetteer import PlaceName, dateline_places, dateline_rivals, first_names, LoadableTable, person_names, place_names, spanish_places
from .text import ABBREVIATED_TITLES, fold_accents, is_word_boundary, next_word, previous_word

ZONE_WEIGHTS = {"dateline": 3.0, "title": 3.0, "lead": 1.5, "body": 1.0, "enumeration": 1.5}
MIN_ENUMERATION = 3
ENUMERATION_GLUE = re.compile(r"(?:,| and|, and| y|, y| e|, e) ")  # English, and Spanish "y"/"e" ("Chile e Italia")
KIND_WEIGHTS = {"country": 1.0, "region": 0.5, "city": 0.5, "demonym": 0.6}
ABOUTNESS_THRESHOLD = 2.5

US_PRONOUN_BEFORE = frozenset({"let", "help", "tell", "told", "give", "gave", "join", "contact", "follow", "email", "call", "with", "against", "among", "of"})
PERSON_TITLES = ABBREVIATED_TITLES | {"Mister", "Miss", "President", "Senator", "Judge", "Governor", "Coach", "Minister", "Chairman", "spokesman", "Sir", "Lady", "Lord"}
COMMON_NOUN_CONTEXTS = {
    "China": ({"fine", "bone"}, {"plate", "plates", "cup", "cups", "cabinet", "clay", "shop", "doll", "dolls", "dishes", "ware", "teapot", "pattern", "set"}),
    "Turkey": (
        {"roast", "smoked", "wild", "frozen", "thanksgiving", "christmas", "chicken", "broiler", "broilers", "and"},
        {"meat", "breast", "breasts", "sandwich", "dinner", "dinners", "leg", "legs", "farm", "farms", "farmers", "growers", "poults",
         "hens", "eggs", "hatchery", "hatcheries", "slaughter", "flock", "flocks", "vulture", "vultures", "bacon", "burger", "burgers", "roast", "prices", "production", "output"},
    ),
    "Guinea": (set(), {"pig", "pigs", "fowl", "fowls", "hen", "hens", "worm", "worms"}),
    "Chad": (set(), {"paper", "papers", "punch"}),
    "Chile": (set(), {"habanero", "jalapeno", "poblano", "serrano", "chipotle", "piquin", "guajillo", "ancho", "pasilla", "morron",
                      "mulato", "relleno", "rellenos", "verde", "rojo", "seco", "secos", "picante", "en", "pepper", "peppers", "powder", "sauce"}),
}
# In Spanish text these are words, not the places an English text means: "América" is the continent,
# "Reunión" a meeting unless it is "la Reunión" (the island). Each maps to the words before it that keep the place.
SPANISH_TEXT_WORDS = {"America": frozenset(), "Reunion": frozenset({"la", "isla"})}
GEORGIA_COUNTRY_CUES = re.compile(r"Tbilisi|Caucasus|Abkhaz|Ossetia|Republic of Georgia|Georgian (?:government|capital|president|army|republic)|former Soviet", re.I)


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    surface: str
    place: PlaceName


def place_automaton(shouting: bool) -> ahocorasick.Automaton:
    """One automaton for mixed-case text (case-sensitive) and one for all-caps text (upper-cased keys)."""
    return shouting_place_automaton() if shouting else mixed_case_place_automaton()


@LoadableTable
def mixed_case_place_automaton() -> ahocorasick.Automaton:
    return _place_automaton(shouting=False)


@LoadableTable
def shouting_place_automaton() -> ahocorasick.Automaton:
    return _place_automaton(shouting=True)


def _place_automaton(shouting: bool) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for surface, place in place_names().items():
        key = surface.upper() if shouting else surface
        held = automaton.get(key, None)
        if held is None or held[1].kind != "country":
            automaton.add_word(key, (surface, place))
    automaton.make_automaton()
    return automaton


def find_place_mentions(text: str, shouting: bool, spanish: bool = False) -> list[PlaceMention]:
    """Whole-word, leftmost-longest matches that survive every ambiguity rule (spanish: the text reads as Spanish)."""
    candidates = []
    for end, (surface, place) in place_automaton(shouting).iter(text):
        start = end - len(surface) + 1
        if is_word_boundary(text, start, end + 1):
            candidates.append(PlaceMention(start, end + 1, surface, place))
    candidates.sort(key=lambda mention: (mention.start, -mention.end))
    mentions, covered_until = [], -1
    for mention in candidates:
        if mention.start >= covered_until:
            mentions.append(mention)
            covered_until = mention.end
    return [m for m in mentions if m.place.country and not is_false_place(text, m, shouting, spanish)]


def is_false_place(text: str, mention: PlaceMention, shouting: bool, spanish: bool = False) -> bool:
    return (
        is_us_pronoun(text, mention, shouting)
        or is_person_name(text, mention, shouting)
        or is_common_noun(text, mention)
        or is_language_name(text, mention)
        or (spanish and is_spanish_word(text, mention))
    )


def is_us_pronoun(text: str, mention: PlaceMention, shouting: bool) -> bool:
    """"US" in all-caps text or after "let", "help", "tell"... is the pronoun; "U.S." is never."""
    if mention.surface != "US":
        return False
    return shouting or previous_word(text, mention.start).lower() in US_PRONOUN_BEFORE


def is_person_name(text: str, mention: PlaceMention, shouting: bool) -> bool:
    """"Michael Jordan", "Mr Chad", "Georgia Smith": a place name that is also a person's name, used as one."""
    if mention.surface not in person_names():
        return False
    before = previous_word(text, mention.start)
    after = next_word(text, mention.end)
    if shouting:
        before, after = before.title(), after.title()
    return before in PERSON_TITLES or before in first_names() or (after in person_names() and after not in place_names())


def is_common_noun(text: str, mention: PlaceMention) -> bool:
    """"China plates", "turkey breast", "Guinea pig": the word, not the country."""
    context = COMMON_NOUN_CONTEXTS.get(mention.surface.title())
    if context is None:
        return False
    before_words, after_words = context
    return previous_word(text, mention.start).lower() in before_words or next_word(text, mention.end).lower() in after_words


@lru_cache(maxsize=1)
def spanish_language_names() -> frozenset[str]:
    """Masculine singular demonyms, which are also the language's name ("inglés", "español", "chino")."""
    return frozenset(base for bases in spanish_places()["demonyms"].values() for base in bases)


def is_language_name(text: str, mention: PlaceMention) -> bool:
    """"en inglés", "traducido al español", "habla chino": the language, not the people or the country."""
    if mention.place.kind != "demonym" or mention.surface.lower() not in spanish_language_names():
        return False
    return previous_word(text, mention.start).lower() in spanish_places()["language_cues"]


def is_spanish_word(text: str, mention: PlaceMention) -> bool:
    """In Spanish text, "América" is the continent and "Reunión" a meeting (SPANISH_TEXT_WORDS)."""
    keeping_words = SPANISH_TEXT_WORDS.get(mention.surface.title())
    return keeping_words is not None and previous_word(text, mention.start).lower() not in keeping_words


def resolve_country(text: str, mention: PlaceMention) -> str:
    """"Georgia" is the US state unless the text points to the Caucasus."""
    if mention.surface.title() == "Georgia":
        return "GE" if GEORGIA_COUNTRY_CUES.search(text) else "US"
    return mention.place.country


DATELINE_DATE = re.compile(r"[A-Za-z]{3,}\.? +\d{1,2}|\d{1,2} +(?:de +)?[A-Za-z]{3,}\.?")  # "Feb 26", "16 sep", "4 de marzo"
PARENTHESISED_QUALIFIER = re.compile(r"(.+?) *\((.+)\)")  # "MENDOZA (Argentina)", "ALGECIRAS (Cádiz)"
AP_ABBREVIATION = re.compile(r"(?:[A-Za-z]{2,5}\.?|[A-Z]\. ?[A-Z]a?\.)")  # "Ore.", "Calif", "N.J."
OPENING_DATELINE = re.compile(r"\s*([A-Z][A-Z .'-]{2,}(?:\([^)\n]{1,30}\))?(?:,[^\n]{1,40}?)?)(?: *\([A-Za-z .]{1,20}\))?\.? *(?:--|[-\u2013\u2014]) ")


def opening_dateline(body: str) -> str:
    """The dateline a web or wire story carries at the start of its text: "MADRID, 10 jun (AIN) – La policía..."
    gives "MADRID, 10 jun"; "BOGOTÁ, 13 de abril.– ..." gives "BOGOTÁ, 13 de abril"."""
    match = OPENING_DATELINE.match(fold_accents(body[:120]))
    return match.group(1).strip() if match else ""


def dateline_country(dateline: str, named: frozenset[str] = frozenset()) -> str:
    """"PORTLAND, Ore., Feb 26" -> US: a known qualifier, an AP state abbreviation, or the city.

    named (the countries the text names) picks between cities of similar size that share the
    dateline's name: "SAN JOSÉ" is Costa Rica's in a story naming Costa Rica.
    """
    parts = [part.strip() for part in fold_accents(dateline).split(",") if part.strip()]
    if parts and DATELINE_DATE.fullmatch(parts[-1]):
        parts = parts[:-1]
    if not parts:
        return ""
    parenthesised = PARENTHESISED_QUALIFIER.fullmatch(parts[0])
    if parenthesised:
        parts = [parenthesised.group(1), parenthesised.group(2), *parts[1:]]
    city_country = dateline_holder(parts[0].upper(), named)
    for qualifier in reversed(parts[1:]):
        if qualifier.upper() in dateline_places():
            return dateline_holder(qualifier.upper(), named | {city_country})
        if AP_ABBREVIATION.fullmatch(qualifier):
            return "US"
    return city_country


def dateline_holder(name: str, named: frozenset[str]) -> str:
    """The country of an upper-cased dateline name; of cities of similar size sharing it, the one named."""
    country = dateline_places().get(name, "")
    if country in named:
        return country
    return next((rival for rival in dateline_rivals(name) if rival in named), country)


def enumerated(text: str, mentions: list[PlaceMention]) -> list[PlaceMention]:
    """Mentions inside a list of three or more places ("in Argentina, Chile, Colombia and Spain")."""
    runs, run = [], mentions[:1]
    for previous, mention in zip(mentions, mentions[1:]):
        if ENUMERATION_GLUE.fullmatch(text[previous.end : mention.start]):
            run.append(mention)
        else:
            runs.append(run)
            run = [mention]
    runs.append(run)
    return [mention for run in runs if len(run) >= MIN_ENUMERATION for mention in run]


def about_countries(zones: dict[str, list[PlaceMention]], dateline: str, article_text: str) -> frozenset[str]:
    """Score each country by where it is named; keep those a reader would say the article is about."""
    scores: dict[str, float] = defaultdict(float)
    for zone, mentions in zones.items():
        for mention in mentions:
            scores[resolve_country(article_text, mention)] += ZONE_WEIGHTS[zone] * KIND_WEIGHTS[mention.place.kind]
    named = frozenset(mention.place.country for mentions in zones.values() for mention in mentions)
    country = dateline_country(dateline, named)
    if country:
        scores[country] += ZONE_WEIGHTS["dateline"]
    about = frozenset(code for code, score in scores.items() if score >= ABOUTNESS_THRESHOLD)
    if about or not scores:
        return about
    # Nothing clears the bar (a short web story with no dateline): the lead's strongest country
    # is still what the story is about.
    best_code, best_score = max(scores.items(), key=lambda item: (item[1], item[0]))
    return frozenset({best_code}) if best_score >= ZONE_WEIGHTS["lead"] else about
