from django.contrib import admin
from django.db import models

from .forms import OperationForm, OrganisationForm
from .models import (
    Article,
    ArticleCountry,
    ArticleOperation,
    ArticleOrganisation,
    Country,
    Operation,
    Organisation,
)


class TagInline(admin.TabularInline):
    extra = 1
    fields = ["origin"]
    readonly_fields = ["origin"]


class CountryTagInline(TagInline):
    model = ArticleCountry
    autocomplete_fields = ["country"]
    fields = ["country", "origin"]


class OrganisationTagInline(TagInline):
    model = ArticleOrganisation
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "origin"]


class OperationTagInline(TagInline):
    model = ArticleOperation
    autocomplete_fields = ["operation"]
    fields = ["operation", "origin"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "published_at", "source"]
    list_filter = [
        ("countries", admin.RelatedOnlyFieldListFilter),
        ("organisations", admin.RelatedOnlyFieldListFilter),
        ("operations", admin.RelatedOnlyFieldListFilter),
        "source",
    ]
    search_fields = ["title", "slug", "summary"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "published_at", "summary", "body"]}),
        ("Source", {"fields": ["source", "byline", "url"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [CountryTagInline, OrganisationTagInline, OperationTagInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    show_full_result_count = False


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationForm
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):
    form = OperationForm
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
