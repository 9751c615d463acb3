"""The knowledge base: articles customers read and search."""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models import Product


class ArticleCategory(models.TextChoices):
    TROUBLESHOOTING = "troubleshooting", _("Troubleshooting")
    HOW_TO = "how-to", _("How-to")
    ERROR_MESSAGES = "error-messages", _("Error messages")
    LICENSING = "licensing", _("Licensing")
    RELEASE_NOTES = "release-notes", _("Release notes")


class ArticleLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    GERMAN = "de", _("German")


class ArticleState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in-review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(state=ArticleState.PUBLISHED)

    def readable(self, *, beta_products: Collection[int] = ()) -> ArticleQuerySet:
        """Published articles a reader sees: the beta-only ones only when the reader takes part
        in the beta group of one of the article's products (``beta_products``, their ids)."""
        visible = Q(beta_only=False)
        if beta_products:
            visible |= Exists(
                Article.products.through.objects.filter(
                    article_id=OuterRef("pk"), product_id__in=list(beta_products)
                )
            )
        return self.published().filter(visible)


class Article(models.Model):
    """One help article in one language; its translation is linked through ``translation_of``.

    On PostgreSQL the table also has a ``search_vector`` column that the database computes
    (``GENERATED ALWAYS AS … STORED``); on SQLite an FTS5 table follows it through triggers.
    Neither is a model field: see knowledge/migrations/0002_search.py.
    """

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    category = models.CharField(_("category"), max_length=24, choices=ArticleCategory.choices)
    products = models.ManyToManyField(
        Product, related_name="articles", blank=True, verbose_name=_("products")
    )
    min_version = models.CharField(
        _("from version"), max_length=20, blank=True, help_text=_("For example 19.0; empty: any.")
    )
    max_version = models.CharField(
        _("up to version"), max_length=20, blank=True, help_text=_("For example 21.x; empty: any.")
    )
    tags = models.CharField(
        _("tags"),
        max_length=500,
        blank=True,
        help_text=_("Error codes and keywords, separated by spaces or commas."),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=ArticleLanguage.choices,
        default=ArticleLanguage.ENGLISH,
    )
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translation of"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ArticleState.choices, default=ArticleState.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    review_by = models.DateField(_("review by"), null=True, blank=True)
    beta_only = models.BooleanField(
        _("only for the beta group"),
        default=False,
        help_text=_(
            "For articles about beta releases: only members of the beta group who take part for "
            "one of the article's products find and read it."
        ),
    )
    views = models.PositiveIntegerField(_("views"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["title"]
        permissions = [("publish_article", _("Can publish articles"))]
        indexes = [models.Index(fields=["state", "language"], name="knowledge_state_lang")]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.replace(",", " ").split() if tag]


class ArticleFeedback(models.Model):
    """One visitor's "was this helpful?" answer; a visitor answers once per article."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("article")
    )
    visitor = models.CharField(_("visitor"), max_length=64, editable=False)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "visitor"], name="knowledge_feedback_once_per_visitor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article}: {'+' if self.helpful else '-'}"


class SearchMiss(models.Model):
    """A search that found nothing, counted per day; the query has personal data masked."""

    query = models.CharField(_("query"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=ArticleLanguage.choices)
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("searches"), default=0)

    class Meta:
        verbose_name = _("search without result")
        verbose_name_plural = _("searches without result")
        ordering = ["-day", "-count"]
        constraints = [
            models.UniqueConstraint(
                fields=["query", "language", "product", "day"],
                name="knowledge_searchmiss_per_day",
            )
        ]

    def __str__(self) -> str:
        return self.query


def article_image_path(instance: ArticleImage, filename: str) -> str:
    # A random name: what the author called the file stays in the database only.
    return f"help/{instance.key}{instance.extension}"


class ArticleImage(models.Model):
    """A picture staff upload for article bodies; Markdown refers to it by its URL."""

    key = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=6, editable=False)
    file = models.FileField(_("image"), upload_to=article_image_path, max_length=200)
    alt_text = models.CharField(_("description (alt text)"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("article image")
        verbose_name_plural = _("article images")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.alt_text


class ReleaseNote(models.Model):
    """The public notes of one release in one language, with a link to its documentation."""

    release = models.ForeignKey(
        "entitlements.Release",
        on_delete=models.CASCADE,
        related_name="release_notes",
        verbose_name=_("release"),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=ArticleLanguage.choices,
        default=ArticleLanguage.ENGLISH,
    )
    body = models.TextField(_("notes (Markdown)"))
    documentation_url = models.URLField(_("documentation"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("release note")
        verbose_name_plural = _("release notes")
        ordering = ["release", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "language"], name="knowledge_release_note_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release} ({self.language})"


class TrainingKind(models.TextChoices):
    VIDEO = "video", _("Video")
    WEBINAR = "webinar", _("Webinar")


class TrainingQuerySet(models.QuerySet["Training"]):
    def published(self) -> TrainingQuerySet:
        return self.filter(is_published=True)


class Training(models.Model):
    """A training video, or a webinar with a start time (recorded once it has taken place)."""

    kind = models.CharField(_("kind"), max_length=8, choices=TrainingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="trainings",
        verbose_name=_("product"),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=ArticleLanguage.choices,
        default=ArticleLanguage.ENGLISH,
    )
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    url = models.URLField(
        _("video or registration address"),
        help_text=_("Videos: where to watch. Webinars: where to register, later the recording."),
    )
    starts_at = models.DateTimeField(
        _("starts"), null=True, blank=True, help_text=_("Webinars only.")
    )
    is_published = models.BooleanField(_("published"), default=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("training")
        ordering = ["-starts_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="video") | models.Q(starts_at__isnull=False),
                name="knowledge_webinar_has_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Suggestion(models.Model):
    """An article suggested while a customer wrote one request (one compose session).

    ``compose`` is a random key the new-request form carries; opening the suggestion and sending
    the request are stamped on the same row, which is what the deflection report counts.
    """

    compose = models.CharField(_("request draft"), max_length=32, editable=False)
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("article")
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    shown_at = models.DateTimeField(_("shown"), default=timezone.now, editable=False)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("request sent"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-shown_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["compose", "article"], name="knowledge_suggestion_once_per_draft"
            )
        ]
        indexes = [models.Index(fields=["shown_at"], name="knowledge_suggestion_shown")]

    def __str__(self) -> str:
        return f"{self.compose}: {self.article_id}"
