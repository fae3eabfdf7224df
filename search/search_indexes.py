"""What the search engine knows about an article.

Facet fields hold codes and slugs (never labels), so that they are exact, never stemmed and
never contain commas; labels come from the database when a page is drawn.
"""

from haystack import indexes
from haystack.fields import FacetMultiValueField

from articles.models import Article


class ArticleIndex(indexes.SearchIndex, indexes.Indexable):
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
    countries = FacetMultiValueField()
    organisations = FacetMultiValueField()
    operations = FacetMultiValueField()

    def get_model(self):
        return Article

    def index_queryset(self, using=None):
        return self.get_model().objects.with_tags().order_by("pk")

    def prepare_text(self, article):
        return "\n\n".join(part for part in (article.title, article.summary, article.body) if part)

    def prepare_year(self, article):
        return [f"{article.published_at:%Y}"]

    def prepare_year_month(self, article):
        return [f"{article.published_at:%Y-%m}"]

    def prepare_countries(self, article):
        return sorted(country.code for country in article.countries.all())

    def prepare_organisations(self, article):
        return sorted(organisation.slug for organisation in article.organisations.all())

    def prepare_operations(self, article):
        return sorted(operation.slug for operation in article.operations.all())
