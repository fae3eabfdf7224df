"""GadgetIndex: every SearchField type, faceted ones included.

Field names differ from ArticleIndex's (title, slug, source, source_url, summary, published_at,
year, year_month, countries, organisations, operations), except ``text``, the document field,
which haystack requires to have the same name in every index.
"""

from haystack import indexes

from .models import Gadget


class GadgetIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True)
    name = indexes.CharField(model_attr="name")
    quantity = indexes.IntegerField(model_attr="quantity")
    price = indexes.FloatField(model_attr="price")
    in_stock = indexes.BooleanField(model_attr="in_stock")
    released = indexes.DateField(model_attr="released")
    updated_at = indexes.DateTimeField(model_attr="updated_at")
    colours = indexes.MultiValueField(model_attr="colours", faceted=True)  # and colours_exact
    maker = indexes.FacetCharField(model_attr="maker")

    def get_model(self):
        return Gadget

    def index_queryset(self, using=None):
        return self.get_model().objects.order_by("pk")

    def prepare_text(self, gadget):
        return f"{gadget.name}\n\n{gadget.description}"
