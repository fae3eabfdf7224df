"""The archive's content: articles and the entities they are tagged with.

Each tag link is an explicit through-model that records where the tag came from, so that a
later automatic extraction never overwrites an editor's choice.
"""

from django.db import models
from django.urls import reverse
from django.utils.http import urlencode

from .fingerprints import article_fingerprint


class Country(models.Model):
    code = models.CharField("ISO 3166-1 alpha-2 code", max_length=2, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("search:search") + "?" + urlencode({"country": self.code})


class NamedEntity(models.Model):
    """An organisation or an operation: a canonical name, a slug for URLs, and its other names."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names it goes by.")
    updated_at = models.DateTimeField(auto_now=True)

    facet_parameter = ""

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("search:search") + "?" + urlencode({self.facet_parameter: self.slug})


class Organisation(NamedEntity):
    facet_parameter = "organisation"

    class Meta(NamedEntity.Meta):
        pass


class Operation(NamedEntity):
    """A named campaign such as "Operation Unmask"; "OpCartel" is an alias of "Operation Cartel"."""

    facet_parameter = "operation"

    class Meta(NamedEntity.Meta):
        pass


class ArticleQuerySet(models.QuerySet):
    def with_tags(self):
        """Articles with their three tag sets loaded in three queries, for pages and indexing."""
        return self.prefetch_related("countries", "organisations", "operations")


class Article(models.Model):
    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    byline = models.CharField(max_length=300, blank=True)
    source = models.CharField("publication", max_length=200, blank=True)
    dateline = models.CharField(max_length=200, blank=True, help_text="Place and date line, e.g. “SALVADOR, Feb 26”.")
    url = models.URLField("original URL", max_length=1000, unique=True, null=True, blank=True)
    published_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    extracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, unique=True, null=True, editable=False)
    countries = models.ManyToManyField(Country, through="ArticleCountry", blank=True, related_name="articles")
    organisations = models.ManyToManyField(
        Organisation, through="ArticleOrganisation", blank=True, related_name="articles"
    )
    operations = models.ManyToManyField(Operation, through="ArticleOperation", blank=True, related_name="articles")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A blank URL is stored as NULL so that "unique when set" holds.
        self.url = self.url or None
        if not self.fingerprint and self.published_at:
            # Set once: an editor's later fix to the headline must not orphan the original import.
            self.fingerprint = article_fingerprint(
                source=self.source, title=self.title, published_at=self.published_at, body=self.body
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})


class TagOrigin(models.TextChoices):
    EXTRACTED = "extracted", "extraction"
    EDITOR = "editor", "editor"


class ArticleTag(models.Model):
    """A link between an article and one entity, and who made it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    origin = models.CharField(max_length=10, choices=TagOrigin.choices, default=TagOrigin.EDITOR)

    class Meta:
        abstract = True


class ArticleCountry(ArticleTag):
    country = models.ForeignKey(Country, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "country"], name="unique_article_country")]
        verbose_name = "country tag"

    def __str__(self):
        return f"{self.country} ({self.get_origin_display()})"


class ArticleOrganisation(ArticleTag):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "organisation"], name="unique_article_organisation")
        ]
        verbose_name = "organisation tag"

    def __str__(self):
        return f"{self.organisation} ({self.get_origin_display()})"


class ArticleOperation(ArticleTag):
    operation = models.ForeignKey(Operation, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "operation"], name="unique_article_operation")]
        verbose_name = "operation tag"

    def __str__(self):
        return f"{self.operation} ({self.get_origin_display()})"


class TagKind(models.TextChoices):
    COUNTRY = "country", "country"
    ORGANISATION = "organisation", "organisation"
    OPERATION = "operation", "operation"


class TagRejection(models.Model):
    """An editor removed this tag: a later automatic extraction must not add it back."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="tag_rejections")
    kind = models.CharField(max_length=12, choices=TagKind.choices)
    entity_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "kind", "entity_id"], name="unique_tag_rejection")
        ]

    def __str__(self):
        return f"{self.kind} {self.entity_id} rejected on {self.article_id}"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "pending"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"


class OrganisationSuggestion(models.Model):
    """A name that looks like an organisation, found in text, waiting for an editor's decision."""

    name = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING)
    mentions = models.PositiveIntegerField(default=0, help_text="Articles it was found in.")
    example = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-mentions", "name"]

    def __str__(self):
        return self.name
