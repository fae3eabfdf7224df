"""The kinds of tag an article carries (countries, organisations, operations), declared once.

Everything that treats the kinds alike reads ``TAG_KINDS``: the through-models and Article's
many-to-many fields, the admin inlines, the index fields, the search parameters, facets, hits and
exports, the signals, the index check, imports and the entity pages. Adding a kind is one entry
here, beside the kind's own entity model (and its migration).

An entry names its models by label and looks them up when asked (``apps.get_model``), because
``models.py`` reads the registry to build the through-models and so cannot be imported by it.
Where the kinds really differ (countries are a fixed ISO list; operations are created when
extraction first names them), the difference is data on the entry, not a test of the kind's name.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .shown_names import country_name, stored_name


@dataclass(frozen=True)
class TagKindEntry:
    # Singular: the facet's name and URL parameter, the entity page's URL name, the foreign key on
    # the through-model, and ``TagRejection.kind``.
    name: str
    # Plural: Article's many-to-many field, and under the same name the index field, the attribute
    # of search parameters, hits and import records, the API's and the CSV's column, and the start
    # of the entity page's path.
    field: str
    label: str  # translated when shown, like ``plural``
    plural: str
    model_label: str  # "app.Model" of the entities; the through-model is "app.Article<Model>"
    key: str  # the entity field whose values the index, facets and URLs hold (a code or a slug)
    key_converter: str  # the path converter of the key in the entity page's URL
    normalise: Callable[[str], str]  # a key as typed in a URL: codes upper case, slugs lower case
    # A fixed list (ISO countries) is matched by key and never grows; otherwise entities have a
    # name, a slug and aliases, and an import that names a new one creates it.
    fixed: bool = False
    # Extraction names new ones (``OperationMention``), which are created; otherwise it finds
    # known ones by key.
    extraction_creates: bool = False
    # (key, stored name[, language]) -> the name a page shows, in the reader's language (by default the active one).
    shown_name: Callable[..., str] = stored_name

    @property
    def model(self) -> type:
        return apps.get_model(self.model_label)

    @property
    def through_name(self) -> str:
        return "Article" + self.model_label.split(".")[1]

    @property
    def through_label(self) -> str:
        return f"{self.model_label.split('.')[0]}.{self.through_name}"

    @property
    def through(self) -> type:
        return apps.get_model(self.through_label)

    @property
    def loaded_attr(self) -> str:
        """The attribute ``Article.objects.for_indexing()`` puts an article's entities of this kind in."""
        return f"{self.field}_loaded"

    def entity(self, key: str):
        """The entity a key typed in a URL names, or None."""
        return self.model.objects.filter(**{self.key: self.normalise(key)}).first()

    def name_of(self, entity) -> str:
        """The entity's name as a page shows it (``shown_name``)."""
        return self.shown_name(getattr(entity, self.key), entity.name)

    def page_url(self, key: str) -> str:
        return reverse(f"entities:{self.name}", kwargs={"key": key})

    def search_url(self, entity) -> str:
        """The search for the articles tagged with this entity (an entity's ``get_absolute_url``)."""
        return reverse("search:search") + "?" + urlencode({self.name: getattr(entity, self.key)})


TAG_KINDS = (
    TagKindEntry(
        "country", "countries", _("Country"), _("Countries"), "articles.Country",
        key="code", key_converter="str", normalise=str.upper, fixed=True, shown_name=country_name,
    ),
    TagKindEntry(
        "organisation", "organisations", _("Organisation"), _("Organisations"), "articles.Organisation",
        key="slug", key_converter="slug", normalise=str.lower,
    ),
    TagKindEntry(
        "operation", "operations", _("Operation"), _("Operations"), "articles.Operation",
        key="slug", key_converter="slug", normalise=str.lower, extraction_creates=True,
    ),
)  # fmt: skip
_BY_NAME = {kind.name: kind for kind in TAG_KINDS}


def tag_kind(name: str) -> TagKindEntry:
    """The kind of this name (``"country"``); KeyError for any other."""
    return _BY_NAME[name]


def tag_kind_of(model) -> TagKindEntry:
    """The kind whose entity model or through-model this is (a class or an instance)."""
    label = model._meta.label
    return next(kind for kind in TAG_KINDS if label in (kind.model_label, kind.through_label))


def field_per_tag_kind(annotation, **options):
    """A class decorator, placed under ``@dataclass``: one field per kind, named as its ``field``.

    The fields come after the ones the class declares; ``options`` are ``dataclasses.field``'s
    (``default=()``). Search parameters, hits and import records keep their attributes
    (``params.countries``) while the registry alone says which there are.
    """

    def add_fields(cls):
        for kind in TAG_KINDS:
            cls.__annotations__[kind.field] = annotation
            if options:
                setattr(cls, kind.field, field(**options))
        return cls

    return add_fields
