"""Operation names ("Operation Cartel", "OpCartel", "#OpIsrael") found and normalised.

Rules, also in docs/extraction.md: "Operation" or "Op" must be capitalised and followed by a
capitalised name (up to three capitalised words); "operations", "the operation" and
"Operation was ..." are ignored; "OpX" and "#OpX" need a capital right after "Op", and the
CamelCase name is split into words unless a piece would be shorter than four letters
("OpAntiSec" -> "Operation AntiSec"). Spanish "Operación X" and "Operativo X" follow the same
rules and are the same operation: "Operación Cártel" -> "Operation Cartel".
"""
import re

from django.utils.text import slugify

from .entities import KnownEntity, OperationMention
from .text import fold_accents

NAME_WORD = r"[A-Z][A-Za-z0-9'-]*"
NOT_NAME_WORDS = frozenset({
    "The", "A", "An", "In", "On", "Of", "And", "Or", "For", "To", "At", "By", "Is", "Was", "Were", "Has", "Had", "Will",
    "It", "This", "That", "He", "She", "They", "We", "But", "As", "With", "From",
    "El", "La", "Los", "Las", "Un", "Una", "De", "Del", "Al", "En", "Y", "E", "O", "Que", "Con", "Por", "Para", "Contra",
    "Es", "Fue", "Se", "Su", "Sus",
})
OPERATION_WORDS = ("Operation", "Operacion", "Operativo")  # accents are folded before matching
SPELLED_OUT = re.compile(rf"(?<![\w#])(?:{'|'.join(OPERATION_WORDS)}|Op\.?)(?= ) ((?:{NAME_WORD})(?: {NAME_WORD}){{0,2}})")
HASHTAG_FORM = re.compile(r"(?<![\w])(#?Op([A-Z][A-Za-z0-9]+))\b")
CAMEL_PIECES = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+")


def split_camel_case(name: str) -> str:
    """"GreenRights" -> "Green Rights", but "AntiSec" stays whole (a piece under four letters)."""
    pieces = CAMEL_PIECES.findall(name)
    if len(pieces) > 1 and all(len(piece) >= 4 for piece in pieces):
        return " ".join(pieces)
    return name


def _spelled_out_name(words: str) -> str:
    """The name's words up to a function word; a closing quote ends it ("la 'Operación Cártel' de")."""
    kept = []
    for word in words.split(" "):
        if word in NOT_NAME_WORDS:
            break
        kept.append(word.rstrip("'"))
        if word.endswith("'"):
            break
    return " ".join(kept)


def find_operation_names(text: str) -> list[tuple[str, str]]:
    """(surface as written, canonical "Operation X") pairs in order of appearance."""
    found = []
    for match in SPELLED_OUT.finditer(text):
        name = _spelled_out_name(match.group(1))
        if name:
            surface = text[match.start() : match.start(1)] + name
            found.append((match.start(), surface, f"Operation {name}"))
    for match in HASHTAG_FORM.finditer(text):
        found.append((match.start(), match.group(1), f"Operation {split_camel_case(match.group(2))}"))
    return [(surface, name) for _, surface, name in sorted(found)]


def known_operation_index(operations: list[KnownEntity]) -> dict[str, KnownEntity]:
    """Lower-cased names, aliases and their normalised forms -> the known operation."""
    index = {}
    for operation in operations:
        for surface in (operation.name, *operation.aliases):
            surface = fold_accents(surface)
            index[surface.lower()] = operation
            for _, name in find_operation_names(surface):
                index[name.lower()] = operation
    return index


def operation_mentions(text: str, known: dict[str, KnownEntity]) -> tuple[OperationMention, ...]:
    """One mention per operation, known ones under their catalogue name and slug."""
    grouped: dict[str, tuple[str, list[str]]] = {}
    for surface, name in find_operation_names(text):
        entity = known.get(surface.lower()) or known.get(name.lower())
        canonical, slug = (entity.name, entity.slug) if entity else (name, slugify(name))
        _, surfaces = grouped.setdefault(slug, (canonical, []))
        if surface != canonical and surface not in surfaces:
            surfaces.append(surface)
    return tuple(OperationMention(name, slug, tuple(surfaces)) for slug, (name, surfaces) in grouped.items())
