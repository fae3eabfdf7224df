"""The article list's filters, made to answer from indexes at a million articles.

Django's own choices scan the whole article table on every load of the list: the tag filters
(``RelatedOnlyFieldListFilter``) join every article to its tags, the publication filter reads
every row's ``source``, and ``date_hierarchy`` asks SQLite for the first and last date in one
query (which SQLite answers by reading every row) and for every year through a function called
per row. At a million articles that list took 106 s on a cold start and 7 s warm (SQLite,
``docs/performance.md``), past gunicorn's 30 s timeout.
"""

from datetime import datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tag_kinds import tag_kind_of


class TaggedListFilter(admin.RelatedFieldListFilter):
    """The entities tagged on at least one article, as ``RelatedOnlyFieldListFilter`` lists them,
    read from the tag table's index on the entity rather than from every article's tags."""

    def field_choices(self, field, request, model_admin):
        kind = tag_kind_of(field.remote_field.through)
        tagged = kind.through.objects.values(f"{kind.name}_id")
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": tagged}, ordering=ordering)


class PublishedYearListFilter(admin.SimpleListFilter):
    """The year of publication, from the newest year with articles to the oldest.

    The first and last dates are asked for in two queries, each answered from the index on
    ``published_at``; the years between them are listed whether or not each has articles."""

    title = _("year published")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        articles = model_admin.get_queryset(request)
        first = articles.aggregate(first=Min("published_at"))["first"]
        last = articles.aggregate(last=Max("published_at"))["last"]
        if first is None or last is None:
            return []
        first, last = timezone.localtime(first), timezone.localtime(last)
        return [(str(year), str(year)) for year in range(last.year, first.year - 1, -1)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not (value.isascii() and value.isdigit() and 1 <= int(value) < 9999):
            raise IncorrectLookupParameters(f"not a year: {value!r}")
        year = int(value)
        zone = timezone.get_current_timezone()
        return queryset.filter(published_at__gte=datetime(year, 1, 1, tzinfo=zone),
                               published_at__lt=datetime(year + 1, 1, 1, tzinfo=zone))  # fmt: skip
