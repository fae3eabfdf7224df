"""What the search engine knows about an article.

Facet fields hold codes and slugs (never labels), so that they are exact, never stemmed and
never contain commas; labels come from the database when a page is drawn.
"""

from haystack import indexes
from haystack.fields import FacetMultiValueField

from articles.models import Article
from articles.tag_kinds import TAG_KINDS, TagKindEntry


class TagField(FacetMultiValueField):
    """The sorted codes or slugs of an article's tags of one kind."""

    def __init__(self, kind: TagKindEntry, **kwargs):
        super().__init__(**kwargs)
        self.kind = kind

    def prepare(self, article):
        # Loaded by Article.objects.for_indexing(); any other article (haystack's own updates) is read.
        tags = getattr(article, self.kind.loaded_attr, None)
        if tags is None:
            tags = getattr(article, self.kind.field).all()
        return sorted(getattr(tag, self.kind.key) for tag in tags)


# Haystack's metaclass finds an index's fields in its class body, or in a parent index's. The body
# cannot loop over the registry, so the tag fields are the body of a parent built from it.
ArticleTagFields = indexes.DeclarativeMetaclass(
    "ArticleTagFields",
    (indexes.SearchIndex,),
    {"__module__": __name__, **{kind.field: TagField(kind) for kind in TAG_KINDS}},
)


class ArticleIndex(ArticleTagFields, indexes.Indexable):
    text = indexes.CharField(document=True)
    title = indexes.CharField(model_attr="title", boost=2.0)
    slug = indexes.CharField(model_attr="slug", indexed=False)
    source = indexes.CharField(model_attr="source", indexed=False)
    source_url = indexes.CharField(model_attr="url", null=True, indexed=False)
    summary = indexes.CharField(model_attr="summary", indexed=False)
    published_at = indexes.DateTimeField(model_attr="published_at")
    # One value each, declared multi-valued: every haystack engine indexes those as exact keywords
    # (stock Whoosh analyses a single-valued FacetCharField as stemmed text, "2011-03" as two words).
    year = FacetMultiValueField()
    year_month = FacetMultiValueField()
    # The ISO 639-1 code, none when unknown: the language facet, and the analysis of the text
    # on engines that read it per language (LANGUAGE_FIELD in the connection).
    language = FacetMultiValueField()
    # and from ArticleTagFields, one TagField per tag kind: countries, organisations, operations

    def get_model(self):
        return Article

    def index_queryset(self, using=None):
        return self.get_model().objects.for_indexing().order_by("pk")

    def prepare_text(self, article):
        return "\n\n".join(part for part in (article.title, article.summary, article.body) if part)

    def prepare_language(self, article):
        return [article.language] if article.language else []

    def prepare_year(self, article):
        return [f"{article.published_at:%Y}"]

    def prepare_year_month(self, article):
        return [f"{article.published_at:%Y-%m}"]
