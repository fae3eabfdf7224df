from django.contrib import admin, messages
from django.db import models
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from newsarchive.formats import grouped
from search.engine.interface import SearchUnavailable
from search.service import matching_article_ids

from .admin_filters import PublishedYearListFilter, TaggedListFilter
from .forms import ArticleForm, NamedEntityForm
from .merging import entity_merge
from .models import Article, Country, LanguageOrigin, Organisation, OrganisationSuggestion, SuggestionStatus
from .tag_kinds import TAG_KINDS, TagKindEntry, tag_kind_of
from .tagging import article_extract_tags, editor_tags_changed, entity_matcher


class TagInline(admin.TabularInline):
    extra = 1
    readonly_fields = ["origin"]


def tag_inline(kind: TagKindEntry) -> type[TagInline]:
    """The inline that edits an article's tags of one kind (``CountryTagInline``)."""
    attributes = {"model": kind.through, "autocomplete_fields": [kind.name], "fields": [kind.name, "origin"]}
    return type(f"{kind.model.__name__}TagInline", (TagInline,), attributes)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["title", "published_at", "language", "source", "extracted_at"]
    list_filter = [
        *((kind.field, TaggedListFilter) for kind in TAG_KINDS),
        PublishedYearListFilter, "language", "source",  # the publications from an index on source (migration 0010)
    ]  # fmt: skip
    search_fields = ["title", "slug", "summary"]  # read only where the search index is unavailable
    search_matches_listed = 1000  # the best matches of a search the list holds; an editor narrows with words or filters
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at", "extracted_at", "language_origin"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "published_at", ("language", "language_origin"), "summary", "body"]}),
        (_("Source"), {"fields": ["source", "byline", "dateline", "url"]}),
        (_("History"), {"fields": ["created_at", "updated_at", "extracted_at"], "classes": ["collapse"]}),
    ]
    inlines = [tag_inline(kind) for kind in TAG_KINDS]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["rerun_extraction"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """Words are looked up in the search index, as the site's search finds them (stemmed, in
        either language), not by ``LIKE`` on every row, which took 2.0 s at a million articles.
        A slug or an id, pasted as it is, finds its article too. Where the index cannot answer,
        Django's own search of titles, slugs and summaries does, with a warning."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            ids, total = matching_article_ids(term, self.search_matches_listed)
        except SearchUnavailable as error:
            message = gettext("Search is unavailable (%(reason)s): titles, slugs and summaries were searched instead.")
            self.message_user(request, message % {"reason": error}, messages.WARNING)
            return super().get_search_results(request, queryset, search_term)
        if total > len(ids):
            message = ngettext(
                "%(total)s article matches; the list holds the %(listed)s that match best. Add words or filters to narrow it.",
                "%(total)s articles match; the list holds the %(listed)s that match best. Add words or filters to narrow it.",
                total,
            )
            counts = {"total": grouped(total), "listed": grouped(len(ids))}
            self.message_user(request, message % counts, messages.INFO)
        exact = Q(slug=term) | (Q(pk=int(term)) if term.isdigit() and len(term) < 19 else Q(pk__in=[]))
        return queryset.filter(Q(pk__in=ids) | exact), False

    def save_model(self, request, obj, form, change):
        """An editor's language wins over detection until the editor clears it."""
        if "language" in form.changed_data:
            obj.language_origin = LanguageOrigin.EDITOR if obj.language else LanguageOrigin.DETECTED
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Tag rows the editor adds become editor tags; rows the editor removes are remembered."""
        if formset.model not in {kind.through for kind in TAG_KINDS}:
            return super().save_formset(request, form, formset, change)
        kind = tag_kind_of(formset.model)
        entity_field = kind.name
        removed = [form_.initial.get(entity_field) for form_ in formset.deleted_forms if form_.instance.pk]
        removed += [
            form_.initial.get(entity_field)
            for form_ in formset.initial_forms
            if form_ not in formset.deleted_forms and entity_field in form_.changed_data
        ]
        super().save_formset(request, form, formset, change)
        added = [
            getattr(form_.instance, f"{entity_field}_id")
            for form_ in formset.forms
            if form_ not in formset.deleted_forms and form_.has_changed() and form_.instance.pk
        ]
        editor_tags_changed(form.instance, kind=kind.name, added=added, removed=[pk for pk in removed if pk])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article_extract_tags(form.instance)

    @admin.action(description=_("Re-run entity extraction on the selected articles"))
    def rerun_extraction(self, request, queryset):
        matcher = entity_matcher()
        for article in queryset:
            article_extract_tags(article, matcher=matcher)
        count = queryset.count()
        message = ngettext(
            "Extraction re-run on %(count)d article; editors’ tags kept.",
            "Extraction re-run on %(count)d articles; editors’ tags kept.",
            count,
        )
        self.message_user(request, message % {"count": count})


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class NamedEntityAdmin(admin.ModelAdmin):
    """The admin of every kind that is not a fixed list: organisations, operations."""

    form = NamedEntityForm
    fields = ["name", "slug", "aliases"]
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=models.Count("articles"))

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, entity):
        return entity.article_total

    @admin.action(description=_("Merge the selected into one…"))
    def merge_selected(self, request, queryset):
        """Ask which one survives, then move the others' articles and names to it."""
        entities = list(queryset)
        if len(entities) < 2:
            self.message_user(request, gettext("Select at least two to merge."), messages.WARNING)
            return None
        survivor_id = request.POST.get("survivor")
        survivor = next((entity for entity in entities if str(entity.pk) == survivor_id), None)
        if survivor is None:
            return TemplateResponse(
                request,
                "admin/articles/merge_entities.html",
                {**self.admin_site.each_context(request), "entities": entities, "opts": self.model._meta,
                 "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "title": gettext("Merge")},  # fmt: skip
            )
        moved = entity_merge(survivor=survivor, merged=[e for e in entities if e.pk != survivor.pk])
        message = ngettext(
            # Translators: the number merged into the survivor, then the number of article tags moved.
            "Merged %(count)d into “%(survivor)s”; %(moved)d article tag moved.",
            "Merged %(count)d into “%(survivor)s”; %(moved)d article tags moved.",
            moved,
        )
        self.message_user(request, message % {"count": len(entities) - 1, "survivor": survivor, "moved": moved})
        return None


admin.site.register([kind.model for kind in TAG_KINDS if not kind.fixed], NamedEntityAdmin)


@admin.register(OrganisationSuggestion)
class OrganisationSuggestionAdmin(admin.ModelAdmin):
    list_display = ["name", "mentions", "status", "example"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["mentions", "example", "created_at"]
    actions = ["approve", "reject"]

    @admin.action(description=_("Approve: make them organisations"))
    def approve(self, request, queryset):
        from django.utils.text import slugify

        for suggestion in queryset.filter(status=SuggestionStatus.PENDING):
            Organisation.objects.get_or_create(name=suggestion.name, defaults={"slug": slugify(suggestion.name)})
        count = queryset.update(status=SuggestionStatus.APPROVED)
        message = ngettext(
            "%(count)d approved; re-run extraction to tag the articles that name it.",
            "%(count)d approved; re-run extraction to tag the articles that name them.",
            count,
        )
        self.message_user(request, message % {"count": count})

    @admin.action(description=_("Reject: never suggest them again"))
    def reject(self, request, queryset):
        count = queryset.update(status=SuggestionStatus.REJECTED)
        self.message_user(request, ngettext("%(count)d rejected.", "%(count)d rejected.", count) % {"count": count})
