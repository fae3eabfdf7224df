"""The archive's content: articles and the entities they are tagged with.

Each tag link is an explicit through-model that records where the tag came from, so that a
later automatic extraction never overwrites an editor's choice. The through-models and Article's
tag fields are built from the registry of tag kinds (``tag_kinds.TAG_KINDS``); the entity models
are each kind's own.
"""

from django.db import models
from django.urls import reverse

from .fingerprints import article_fingerprint
from .normal_form import normal_form_fields
from .tag_kinds import TAG_KINDS, tag_kind_of
from .validators import validate_language_code


class Country(models.Model):
    code = models.CharField("ISO 3166-1 alpha-2 code", max_length=2, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        normal_form_fields(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return tag_kind_of(self).search_url(self)

    def clean(self):
        normal_form_fields(self)  # before the admin checks that the name is unique


class NamedEntity(models.Model):
    """An organisation or an operation: a canonical name, a slug for URLs, and its other names."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names it goes by.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        normal_form_fields(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return tag_kind_of(self).search_url(self)

    def clean(self):
        normal_form_fields(self)  # before the admin checks that the name is unique


class Organisation(NamedEntity):
    class Meta(NamedEntity.Meta):
        pass


class Operation(NamedEntity):
    """A named campaign such as "Operation Unmask"; "OpCartel" is an alias of "Operation Cartel"."""

    class Meta(NamedEntity.Meta):
        pass


class LanguageOrigin(models.TextChoices):
    """Who set an article's language: detection follows the text; an editor's or an import
    record's choice stays until an editor clears it."""

    DETECTED = "detected", "detection"
    EDITOR = "editor", "editor"
    RECORD = "record", "import record"


def article_language_fill(article) -> None:
    """Detect the language of an article whose language is not someone's choice (or is blank)."""
    if article.language and article.language_origin != LanguageOrigin.DETECTED:
        return
    from .language import article_language  # the detector loads on first use, not with the models

    article.language = article_language(article.title, article.summary, article.body)
    article.language_origin = LanguageOrigin.DETECTED


class ArticleQuerySet(models.QuerySet):
    def with_tags(self):
        """Articles with their tag sets loaded in one query per kind, for pages and indexing."""
        return self.prefetch_related(*(kind.field for kind in TAG_KINDS))

    def bulk_create(self, objs, *args, **kwargs):
        """Imports write in batches, past ``save``: their text is put in the normal form here."""
        objs = list(objs)
        for article in objs:
            normal_form_fields(article)
            article_language_fill(article)
        return super().bulk_create(objs, *args, **kwargs)


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
    language = models.CharField(
        max_length=2,
        blank=True,
        db_index=True,
        validators=[validate_language_code],
        help_text="ISO 639-1 code, such as “en” or “es”. Detected from the text unless an editor sets it; "
        "clear it to detect it again.",
    )
    language_origin = models.CharField(
        max_length=10, choices=LanguageOrigin.choices, default=LanguageOrigin.DETECTED, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    extracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, unique=True, null=True, editable=False)
    # One many-to-many field per tag kind (countries, organisations, operations) is added below.

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        normal_form_fields(self)  # before the fingerprint: NFD and NFC copies are one article
        article_language_fill(self)
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

    def clean(self):
        normal_form_fields(self)


class TagOrigin(models.TextChoices):
    EXTRACTED = "extracted", "extraction"
    EDITOR = "editor", "editor"


class ArticleTag(models.Model):
    """A link between an article and one entity, and who made it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    origin = models.CharField(max_length=10, choices=TagOrigin.choices, default=TagOrigin.EDITOR)

    entity_field = ""  # the foreign key to the entity: the kind's name

    class Meta:
        abstract = True

    def __str__(self):
        return f"{getattr(self, self.entity_field)} ({self.get_origin_display()})"


def article_tag_model(kind) -> type[ArticleTag]:
    """The through-model of one kind, ``ArticleCountry``: an article has each entity at most once."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", kind.name], name=f"unique_article_{kind.name}")]
        verbose_name = f"{kind.name} tag"

    return type(
        kind.through_name,
        (ArticleTag,),
        {
            "__module__": __name__,
            kind.name: models.ForeignKey(kind.model_label, on_delete=models.CASCADE),
            "entity_field": kind.name,
            "Meta": Meta,
        },
    )


def article_tag_fields_add() -> None:
    """Per kind, its through-model, importable from here by name (``ArticleCountry``), and Article's
    many-to-many field through it (``Article.countries``)."""
    for kind in TAG_KINDS:
        link_model = article_tag_model(kind)
        globals()[link_model.__name__] = link_model
        field = models.ManyToManyField(kind.model_label, through=link_model, blank=True, related_name="articles")
        Article.add_to_class(kind.field, field)


article_tag_fields_add()

# The choices of ``TagRejection.kind``: ``TagKind.COUNTRY == "country"``.
TagKind = models.TextChoices("TagKind", [(kind.name.upper(), (kind.name, kind.name)) for kind in TAG_KINDS])


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
