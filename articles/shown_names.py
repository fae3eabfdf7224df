"""Entities' names as pages show them, in the reader's language.

Countries are a fixed ISO list that CLDR names in every language (through Babel): "España" and
"Estados Unidos" on a Spanish page. English pages, organisations and operations show the names
stored in the database, which editors control.
"""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language


def stored_name(key: str, stored: str, language: str | None = None) -> str:
    return stored


@lru_cache(maxsize=8)
def territory_names(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def country_name(code: str, stored: str, language: str | None = None) -> str:
    """The country of ``code`` in ``language`` (by default the active one); the stored name in
    English. A caller naming many passes the language, looked up once (``get_language`` reads a
    context-local: some 5 µs, hundreds of times for a page's country facet)."""
    language = language or get_language() or "en"
    if language.split("-")[0] == "en":
        return stored
    return territory_names(language).get(code, stored)
