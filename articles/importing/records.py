"""What the readers hand to the import: an article ready to save, or the reason a piece of input was not one.

Every reader builds its articles through ``article_record``, so the rules are the same for every kind
of file. Text is cleaned of control characters and ``\\r\\n``. An article needs a title or a body and
a publication date that parses, no later than a day from now. A record is refused, with the reason,
when a value is not valid Unicode (an unpaired surrogate), is longer than its field, names a link
that is not http or https, or names an entity longer than an entity's name may be: nothing is cut.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from ..normal_form import normal_form
from ..tag_kinds import TAG_KINDS, field_per_tag_kind
from ..validators import (
    shortened,
    validate_article_url,
    validate_body_length,
    validate_published_at,
    validation_reason,
)
from .dates import as_utc, parse_date

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?")
_WHITE_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
ONE_LINE_FIELDS = ("title", "source", "byline", "dateline")  # CharFields of Article: checked against max_length
TEXT_FIELDS = ("body", "summary")  # checked against ARTICLE_MAX_BODY_CHARS


@dataclass(frozen=True)
@field_per_tag_kind(tuple[str, ...] | None, default=None)
class ArticleRecord:
    """An article to import; its tags of each kind (``countries`` and so on) are None if not given.

    ``date_zone_assumed``: the date named no time zone and was taken as UTC.
    """

    title: str
    body: str
    published_at: datetime
    location: str
    url: str | None = None
    source: str = ""
    byline: str = ""
    summary: str = ""
    dateline: str = ""
    date_zone_assumed: bool = False
    language: str = ""  # ISO 639-1 as the record gives it; "" to detect it from the text


@dataclass(frozen=True)
class RejectedRecord:
    """A record or file that did not go in: where it is, why, and the kind of reason for the summary."""

    location: str
    reason: str
    kind: str = field(default="other", compare=False)


def read_paths(paths: Iterable[str | Path]) -> Iterator[ArticleRecord | RejectedRecord]:
    """Walk files and directories (sorted, recursively; skip hidden files) and read each file by its kind."""
    from .readers import read_walked_paths  # the readers build records, so they import this module first

    return read_walked_paths(paths)


def clean_text(text: str) -> str:
    """Text in the normal form (NFC) with ``\\n`` line breaks only and no control characters, trimmed
    at both ends: lengths are checked and fingerprints taken on the text as it will be stored."""
    return normal_form(_CONTROL_CHARACTERS.sub("", _LINE_BREAKS.sub("\n", text)).strip())


def clean_line(text: str) -> str:
    """A one-line field (title, byline, dateline): cleaned, with every run of white space one space."""
    return _WHITE_SPACE.sub(" ", clean_text(text))


def clean_names(names: Iterable[str] | None, *, normalise=None) -> tuple[str, ...] | None:
    """Names as given, cleaned, without blanks or repeats; None stays None ("not given")."""
    if names is None:
        return None
    cleaned = (clean_line(name) for name in names)
    return tuple(dict.fromkeys(normalise(name) if normalise else name for name in cleaned if name))


def article_record(
    location: str,
    *,
    title: str,
    body: str,
    published_at: datetime | str | None,
    url: str | None = None,
    source: str = "",
    byline: str = "",
    summary: str = "",
    dateline: str = "",
    language: str | None = "",
    **tags: Iterable[str] | None,
) -> ArticleRecord | RejectedRecord:
    """The article these raw fields describe, or why they do not describe one.

    ``tags`` are given by kind (``countries=["MX"]``): a fixed list's keys, other kinds' names.
    """
    unknown = set(tags) - {kind.field for kind in TAG_KINDS}
    if unknown:
        raise TypeError(f"article_record() got unexpected keyword arguments {sorted(unknown)}")
    raw = {"title": title, "body": body, "url": url or "", "source": source, "byline": byline, "summary": summary,
           "dateline": dateline, "published_at": published_at if isinstance(published_at, str) else ""}  # fmt: skip
    for name, value in raw.items():
        if surrogate := _SURROGATE.search(value):
            return unpaired_surrogate(location, name, value, surrogate.start())
    for kind in TAG_KINDS:
        for name in tags.get(kind.field) or ():
            if surrogate := _SURROGATE.search(name):
                return unpaired_surrogate(location, f"a name in '{kind.field}'", name, surrogate.start())
    values = {name: clean_line(raw[name]) for name in ONE_LINE_FIELDS} | {name: clean_text(raw[name]) for name in TEXT_FIELDS}
    if not values["title"] and not values["body"]:
        return RejectedRecord(location, "neither title nor text", "no title or text")
    url = clean_line(url or "") or None
    if reason := field_length_problem(values | {"url": url or ""}):
        return RejectedRecord(location, reason, "value too long")
    if url is not None:
        try:
            validate_article_url(url)
        except ValidationError as error:
            return RejectedRecord(location, f"'url': {validation_reason(error)}", "URL refused")
    given_language, language = language, record_language(language)
    if language is None:
        reason = f"'language' {shortened(str(given_language))!r} is not an ISO 639-1 code such as 'en' or 'es'"
        return RejectedRecord(location, reason, "language refused")
    given = {kind.field: given_tags(kind, tags.get(kind.field)) for kind in TAG_KINDS}
    if reason := tag_name_problem(given):
        return RejectedRecord(location, reason, "name too long")
    if published_at is None or (isinstance(published_at, str) and not published_at.strip()):
        return RejectedRecord(location, "no publication date", "no publication date")
    try:
        moment = parse_date(published_at) if isinstance(published_at, str) else published_at
    except ValueError as error:
        return RejectedRecord(location, str(error), "date not understood")
    try:
        published_at = as_utc(moment)
    except ValueError as error:
        return RejectedRecord(location, str(error), "date out of range")
    try:
        validate_published_at(published_at)
    except ValidationError as error:
        return RejectedRecord(location, f"date {validation_reason(error)}", "date in the future")
    return ArticleRecord(
        published_at=published_at,
        location=location,
        url=url,
        date_zone_assumed=moment.tzinfo is None,
        language=language,
        **values,
        **given,
    )


def record_language(value) -> str | None:
    """A record's language as stored: the primary subtag of a language tag ("es" of "es-MX", as
    feeds and HTML give it), "" when not given, None when it names no ISO 639-1 language."""
    from articles.language import is_language_code

    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if is_language_code(primary) else None


def unpaired_surrogate(location: str, name: str, value: str, index: int) -> RejectedRecord:
    reason = f"'{name}' is not valid Unicode: unpaired surrogate U+{ord(value[index]):04X} at character {index + 1}"
    return RejectedRecord(location, reason, "invalid Unicode")


def field_length_problem(values: dict[str, str]) -> str | None:
    """Why a cleaned value does not fit its field of Article, if one does not."""
    from ..models import Article  # models are ready by the time records are built, not when readers are imported

    for name in (*ONE_LINE_FIELDS, "url"):
        limit = Article._meta.get_field(name).max_length
        if len(values[name]) > limit:
            return f"'{name}' is {len(values[name]):,} characters, over the {limit:,} allowed: {shortened(values[name])!r}"
    for name in TEXT_FIELDS:
        try:
            validate_body_length(values[name])
        except ValidationError as error:
            return f"'{name}' is {validation_reason(error)}"
    return None


def tag_name_problem(given: dict[str, tuple[str, ...] | None]) -> str | None:
    """Why a name given for a kind that is not a fixed list cannot be an entity's name or slug, if it cannot."""
    for kind in TAG_KINDS:
        if kind.fixed:
            continue
        for name in given[kind.field] or ():
            limit = kind.model._meta.get_field("name").max_length
            if len(name) > limit or len(slugify(name)) > kind.model._meta.get_field("slug").max_length:
                return (f"{kind.name} name is {len(name):,} characters, over the {limit:,} a name may be "
                        f"(it would have to be cut): {shortened(name)!r}")  # fmt: skip
    return None


def given_tags(kind, names: Iterable[str] | None) -> tuple[str, ...] | None:
    """A kind's tags as given, cleaned: the keys of a fixed list normalised (ISO codes upper case),
    other kinds' names as written."""
    return clean_names(names, normalise=kind.normalise if kind.fixed else None)
