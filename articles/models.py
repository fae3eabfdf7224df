"""The archive's content: articles and the entities they are tagged with.

Each tag link is an explicit through-model that records where the tag came from, so that a
later automatic extraction never overwrites an editor's choice. The through-models and Article's
tag fields are built from the registry of tag kinds (``tag_kinds.TAG_KINDS``); the entity models
are each kind's own.
"""

from django.db import models
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .fingerprints import article_fingerprint
from .normal_form import normal_form_fields
from .tag_kinds import TAG_KINDS, tag_kind_of
from .title_keys import TITLE_KEY_LENGTH, CodePointOrderCharField, article_title_key_fill
from .validators import validate_language_code


class Country(models.Model):
    code = models.CharField(_("ISO 3166-1 alpha-2 code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

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

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    aliases = models.JSONField(_("aliases"), default=list, blank=True, help_text=_("Other names it goes by."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")


class Operation(NamedEntity):
    """A named campaign such as "Operation Unmask"; "OpCartel" is an alias of "Operation Cartel"."""

    class Meta(NamedEntity.Meta):
        verbose_name = _("operation")
        verbose_name_plural = _("operations")


class LanguageOrigin(models.TextChoices):
    """Who set an article's language: detection follows the text; an editor's or an import
    record's choice stays until an editor clears it."""

    DETECTED = "detected", _("detection")
    EDITOR = "editor", _("editor")
    RECORD = "record", _("import record")


def article_language_fill(article, detected: str | None = None) -> None:
    """Detect the language of an article whose language is not someone's choice (or is blank).
    ``detected``: what ``article_language`` gives for its text, where the caller has it already."""
    if article.language and article.language_origin != LanguageOrigin.DETECTED:
        return
    if detected is None:
        from .language import article_language  # the detector loads on first use, not with the models

        detected = article_language(article.title, article.summary, article.body)
    article.language = detected
    article.language_origin = LanguageOrigin.DETECTED


class ArticleQuerySet(models.QuerySet):
    def with_tags(self):
        """Articles with their tag sets loaded in one query per kind, for pages."""
        return self.prefetch_related(*(kind.field for kind in TAG_KINDS))

    def for_indexing(self):
        """Articles with the keys of their tags loaded in one query per kind, as lists
        (``kind.loaded_attr``), for writing them to the search index. ``with_tags`` gives each
        article a manager's queryset per kind, cloned for it: that was a third of a rebuild's
        reading process (py-spy, a million articles), and a list costs nothing."""
        return self.prefetch_related(*(
            models.Prefetch(kind.field, queryset=kind.model.objects.only(kind.key), to_attr=kind.loaded_attr)
            for kind in TAG_KINDS
        ))  # fmt: skip

    def bulk_create(self, objs, *args, detected_languages=None, **kwargs):
        """Imports write in batches, past ``save``: their text is put in the normal form here.
        ``detected_languages``: each article's detected language, where the caller has them already."""
        objs = list(objs)
        detected_languages = detected_languages if detected_languages is not None else [None] * len(objs)
        for article, detected in zip(objs, detected_languages, strict=True):
            normal_form_fields(article)
            article_language_fill(article, detected)
            article_title_key_fill(article)
        return super().bulk_create(objs, *args, **kwargs)


class Article(models.Model):
    title = models.CharField(_("title"), max_length=500)
    # The title folded for title completion (search.suggestions), indexed below; see title_keys.
    # Never shown (not editable, in no admin list), so without a name to translate.
    title_key = CodePointOrderCharField(max_length=TITLE_KEY_LENGTH, blank=True, default="", editable=False)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    body = models.TextField(_("body"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    byline = models.CharField(_("byline"), max_length=300, blank=True)
    source = models.CharField(_("publication"), max_length=200, blank=True)
    dateline = models.CharField(
        _("dateline"), max_length=200, blank=True, help_text=_("Place and date line, e.g. “SALVADOR, Feb 26”.")
    )
    url = models.URLField(_("original URL"), max_length=1000, unique=True, null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), db_index=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        blank=True,
        db_index=True,
        validators=[validate_language_code],
        help_text=_(
            "ISO 639-1 code, such as “en” or “es”. Detected from the text unless an editor sets it; "
            "clear it to detect it again."
        ),
    )
    language_origin = models.CharField(
        _("language origin"),
        max_length=10,
        choices=LanguageOrigin.choices,
        default=LanguageOrigin.DETECTED,
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    extracted_at = models.DateTimeField(_("extracted at"), null=True, blank=True, editable=False)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True, null=True, editable=False)
    # One many-to-many field per tag kind (countries, organisations, operations) is added below.

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # Titles that start with a prefix, as a range of keys; with the date and the id the
            # newest of them are found in the index alone, without reading their rows.
            models.Index(fields=["title_key", "published_at", "id"], name="article_title_key"),
            # The admin's publication filter lists each source once, from this index alone.
            models.Index(fields=["source"], name="article_source"),
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        normal_form_fields(self)  # before the fingerprint: NFD and NFC copies are one article
        article_language_fill(self)
        article_title_key_fill(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields and "title_key" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "title_key"]
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
    EXTRACTED = "extracted", _("extraction")
    EDITOR = "editor", _("editor")


class ArticleTag(models.Model):
    """A link between an article and one entity, and who made it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, verbose_name=_("article"))
    origin = models.CharField(_("origin"), max_length=10, choices=TagOrigin.choices, default=TagOrigin.EDITOR)

    entity_field = ""  # the foreign key to the entity: the kind's name

    class Meta:
        abstract = True

    def __str__(self):
        return f"{getattr(self, self.entity_field)} ({self.get_origin_display()})"


def entity_verbose_name(kind, option: str = "verbose_name"):
    """The verbose name of a kind's entity model (``option`` may be ``"verbose_name_plural"``), in
    the language of the moment it is shown: the model is looked up by label, and it is not ready yet
    while this module builds the through-models."""
    return lazy(lambda: str(getattr(kind.model._meta, option)), str)()


def article_tag_model(kind) -> type[ArticleTag]:
    """The through-model of one kind, ``ArticleCountry``: an article has each entity at most once."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", kind.name], name=f"unique_article_{kind.name}")]
        # Translators: {entity} is the verbose name of the tagged model: "country", "organisation"...
        verbose_name = format_lazy(_("{entity} tag"), entity=entity_verbose_name(kind))
        # Translators: {entity} is the verbose name of the tagged model: "country", "organisation"...
        verbose_name_plural = format_lazy(_("{entity} tags"), entity=entity_verbose_name(kind))

    entity = models.ForeignKey(kind.model_label, on_delete=models.CASCADE, verbose_name=entity_verbose_name(kind))
    return type(
        kind.through_name,
        (ArticleTag,),
        {
            "__module__": __name__,
            kind.name: entity,
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
        field = models.ManyToManyField(
            kind.model_label,
            through=link_model,
            blank=True,
            related_name="articles",
            verbose_name=entity_verbose_name(kind, "verbose_name_plural"),
        )
        Article.add_to_class(kind.field, field)


article_tag_fields_add()

# The choices of ``TagRejection.kind``: ``TagKind.COUNTRY == "country"``.
TagKind = models.TextChoices("TagKind", [(kind.name.upper(), (kind.name, kind.name)) for kind in TAG_KINDS])


class TagRejection(models.Model):
    """An editor removed this tag: a later automatic extraction must not add it back."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="tag_rejections", verbose_name=_("article")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=TagKind.choices)
    entity_id = models.BigIntegerField(_("entity id"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "kind", "entity_id"], name="unique_tag_rejection")
        ]
        verbose_name = _("tag rejection")
        verbose_name_plural = _("tag rejections")

    def __str__(self):
        return f"{self.kind} {self.entity_id} rejected on {self.article_id}"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class OrganisationSuggestion(models.Model):
    """A name that looks like an organisation, found in text, waiting for an editor's decision."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    mentions = models.PositiveIntegerField(_("mentions"), default=0, help_text=_("Articles it was found in."))
    example = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("example")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-mentions", "name"]
        verbose_name = _("organisation suggestion")
        verbose_name_plural = _("organisation suggestions")

    def __str__(self):
        return self.name
