"""Validates a search request's parameters.

A search box receives anything. Nothing here raises: what cannot be used is dropped, and each
drop is explained in a notice that the page shows, so the reader knows what was searched.
"""

import re
import unicodedata

from django import forms
from django.utils.translation import gettext, ngettext

from articles.language import is_language_code
from articles.normal_form import normal_form
from articles.tag_kinds import TAG_KINDS, TagKindEntry

from .facets import FACET_NAMES, entity_labels
from .params import SORTS, SearchParams, parse_date_bound

MAX_QUERY_LENGTH = 500
KNOWN_PARAMETERS = {"q", *(kind.name for kind in TAG_KINDS), "language", "from", "to", "sort", "facet", "page"}
QUERY_SYNTAX = re.compile(r"[*?~^:\[\]{}()\\!&|+]")


def plain_query(text: str) -> str:
    """The words of a query without wildcards, fields, ranges, boosts or grouping.

    Quoted phrases and a leading ``-`` (leave out) stay; an unbalanced quote is dropped. A
    wildcard could otherwise expand into a scan of the whole vocabulary.
    """
    text = QUERY_SYNTAX.sub(" ", text)
    if text.count('"') % 2:
        text = text.replace('"', " ")
    words = [word for word in text.split() if word.strip("-") and word.upper() not in ("AND", "OR", "NOT", "TO")]
    return " ".join(words)
MAX_VALUES_PER_FACET = 20
MAX_PAGE = 10_000


def clean_query_text(text: str) -> str:
    """Drop control characters and collapse white space; keep every printable character, in the
    normal form the archive's text is stored in."""
    printable = "".join(" " if unicodedata.category(char).startswith("C") else char for char in text)
    return normal_form(" ".join(printable.split()))


class QueryTextField(forms.CharField):
    """Free text with control characters (NUL included) replaced by spaces before validation."""

    def to_python(self, value):
        return clean_query_text(super().to_python(value) or "")


class MultipleValuesField(forms.Field):
    """A repeatable parameter (``country=MX&country=ES``), kept as a list of stripped strings."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        return [str(item).strip() for item in values if str(item).strip()]


def first_values(values: list[str], parameter: str, notices: list[str]) -> list[str]:
    """At most ``MAX_VALUES_PER_FACET`` values of one facet, the rest dropped with a notice."""
    if len(values) > MAX_VALUES_PER_FACET:
        notices.append(
            gettext("Only the first %(limit)s values of “%(parameter)s” were used.")
            % {"limit": MAX_VALUES_PER_FACET, "parameter": parameter}
        )
    return values[:MAX_VALUES_PER_FACET]


class LanguageValuesField(MultipleValuesField):
    """ISO 639-1 codes (``language=es``); anything else is dropped with a notice."""

    def __init__(self, notices: list[str]):
        super().__init__(required=False)
        self.notices = notices

    def clean(self, value):
        wanted = first_values(list(dict.fromkeys(item.lower() for item in super().clean(value))), "language", self.notices)
        for item in wanted:
            if not is_language_code(item):
                self.notices.append(gettext("Ignored unknown language “%(value)s”.") % {"value": item[:40]})
        return tuple(item for item in wanted if is_language_code(item))


class TagValuesField(MultipleValuesField):
    """The codes or slugs of one tag kind; those that name no known entity are dropped, each
    explained in ``notices`` (the form's)."""

    def __init__(self, kind: TagKindEntry, notices: list[str]):
        super().__init__(required=False)
        self.kind = kind
        self.notices = notices

    def clean(self, value):
        name = self.kind.name
        wanted = list(dict.fromkeys(self.kind.normalise(item) for item in super().clean(value)))
        if not wanted:
            return ()
        wanted = first_values(wanted, name, self.notices)
        # A NUL byte names nothing, and PostgreSQL refuses it in a query parameter.
        queryable = [item for item in wanted if "\x00" not in item]
        known = set(entity_labels(self.kind.model, self.kind.key, queryable))  # remembered, not a query per search
        for item in wanted:
            if item not in known:
                message = gettext("Ignored unknown %(parameter)s “%(value)s”.")
                self.notices.append(message % {"parameter": name, "value": item})
        return tuple(item for item in wanted if item in known)


class SharedFields(dict):
    """A form's declared fields, copied for each form as a dict of the same fields.

    Django deep-copies ``base_fields`` for every form so that an instance may change its fields;
    nothing changes a ``SearchForm``'s (its per-request state lives in the tag fields it makes
    for itself), and the copy was 34 µs of the 125 µs every search request spent in the form."""

    def __deepcopy__(self, memo):
        return dict(self)


class SearchForm(forms.Form):
    q = QueryTextField(required=False)
    date_from = forms.CharField(required=False)
    date_to = forms.CharField(required=False)
    sort = forms.CharField(required=False)
    facet = forms.CharField(required=False)
    page = forms.CharField(required=False)

    def __init__(self, data=None, **kwargs):
        # ``from`` is a Python keyword, so the form's fields carry a prefix-free alias (the data
        # copied only to add them: a QueryDict's copy is a deep copy).
        if data is not None and hasattr(data, "getlist") and ("from" in data or "to" in data):
            data = data.copy()
            for public, internal in (("from", "date_from"), ("to", "date_to")):
                if public in data:
                    data.setlist(internal, data.getlist(public))
        super().__init__(data, **kwargs)
        self.notices: list[str] = []
        # One parameter per tag kind (``country``), cleaned after ``q`` and before the dates.
        tag_fields = {kind.name: TagValuesField(kind, self.notices) for kind in TAG_KINDS}
        tag_fields["language"] = LanguageValuesField(self.notices)
        self.fields = {"q": self.fields.pop("q"), **tag_fields, **self.fields}
        unknown = sorted(set(data or ()) - KNOWN_PARAMETERS - {"date_from", "date_to"})
        if unknown:
            shown = ", ".join(f"“{name[:40]}”" for name in unknown[:5])
            shown += " …" if len(unknown) > 5 else ""
            message = ngettext("Ignored unknown parameter %(names)s.", "Ignored unknown parameters %(names)s.", len(unknown))
            self.notices.append(message % {"names": shown})

    def clean_q(self):
        text = self.cleaned_data.get("q") or ""
        if len(text) > MAX_QUERY_LENGTH:
            text = text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0]
            self.notices.append(
                gettext("Your query was longer than %(limit)s characters; we searched for its start.")
                % {"limit": MAX_QUERY_LENGTH}
            )
        plain = plain_query(text)
        if plain != text:
            if plain:
                self.notices.append(
                    gettext(
                        "We searched for “%(searched)s” instead of “%(typed)s”: wildcards and query operators are not "
                        "supported (quotes for a phrase and - to leave a word out are)."
                    )
                    % {"searched": plain, "typed": text}
                )
            else:
                message = gettext("“%(typed)s” has no words to search for; showing the whole archive.")
                self.notices.append(message % {"typed": text})
        return plain

    def clean_date_bound(self, name, label):
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return parse_date_bound(text)
        except ValueError as error:
            self.notices.append(gettext("Ignored “%(parameter)s”: %(reason)s.") % {"parameter": label, "reason": error})
            return None

    def clean_date_from(self):
        return self.clean_date_bound("date_from", "from")

    def clean_date_to(self):
        return self.clean_date_bound("date_to", "to")

    def clean_sort(self):
        sort = (self.cleaned_data.get("sort") or "").strip().lower()
        if sort and sort not in SORTS:
            self.notices.append(
                gettext("Ignored unknown sort “%(sort)s”; results are sorted by %(sorts)s.")
                % {"sort": sort, "sorts": ", ".join(SORTS)}
            )
            return ""
        return sort

    def clean_facet(self):
        name = (self.cleaned_data.get("facet") or "").strip().lower()
        if name and name not in FACET_NAMES:
            self.notices.append(
                gettext("Ignored unknown facet “%(facet)s”; the facets are %(facets)s.")
                % {"facet": name[:40], "facets": ", ".join(FACET_NAMES)}
            )
            return ""
        return name

    def clean_page(self):
        text = (self.cleaned_data.get("page") or "").strip()
        if not text:
            return 1
        try:
            page = int(text)
        except ValueError:
            self.notices.append(gettext("Ignored page “%(page)s”: not a page number; showing page 1.") % {"page": text})
            return 1
        if page < 1:
            self.notices.append(gettext("There is no page %(page)s; showing page 1.") % {"page": page})
            return 1
        if page > MAX_PAGE:
            self.notices.append(gettext("Pages go up to %(limit)s; showing page 1.") % {"limit": MAX_PAGE})
            return 1
        return page

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from.first > date_to.last:
            self.notices.append(
                gettext("“from” %(from)s was after “to” %(to)s; we swapped them.")
                % {"from": date_from.text, "to": date_to.text}
            )
            cleaned["date_from"], cleaned["date_to"] = date_to, date_from
        return cleaned

    def search_params(self) -> SearchParams:
        """The parameters to search with; always usable, with notices for anything dropped."""
        self.is_valid()
        cleaned = self.cleaned_data
        return SearchParams(
            q=cleaned.get("q", ""),
            **{kind.field: cleaned.get(kind.name, ()) for kind in TAG_KINDS},
            languages=cleaned.get("language", ()),
            date_from=cleaned.get("date_from"),
            date_to=cleaned.get("date_to"),
            sort=cleaned.get("sort", ""),
            facet=cleaned.get("facet", ""),
            page=cleaned.get("page", 1),
            notices=tuple(self.notices),
        )


SearchForm.base_fields = SharedFields(SearchForm.base_fields)
