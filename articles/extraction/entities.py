"""The values extraction takes in and hands back; plain frozen dataclasses, no database."""
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownEntity:
    """An Organisation or Operation row as the database holds it."""

    name: str
    slug: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationMention:
    """An operation found in text, under its canonical name, with the spellings seen."""

    name: str
    slug: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Extraction:
    countries: frozenset[str]
    organisations: frozenset[str]
    operations: tuple[OperationMention, ...]
    organisation_candidates: frozenset[str]
