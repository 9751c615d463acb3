"""Authoring of the help centre's product content: release notes, training and article images."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.files.base import File
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from knowledge import images
from knowledge.models import ArticleImage, ReleaseNote, Training, TrainingKind
from knowledge.rendering import markdown_render
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class _HttpsLinksAdmin(admin.ModelAdmin):
    """Addresses typed without a scheme are taken as https (Django 6's default already)."""

    def formfield_for_dbfield(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(ReleaseNote)
class ReleaseNoteAdmin(_HttpsLinksAdmin):
    list_display = ("release", "product", "language", "documentation_url", "updated_at")
    list_filter = ("language", "release__product")
    list_select_related = ("release__product",)
    search_fields = ("release__version", "release__product__name", "body")
    autocomplete_fields = ("release",)
    readonly_fields = ("preview", "updated_at")
    fields = ("release", "language", "body", "preview", "documentation_url", "updated_at")
    ordering = (
        "release__product__sort_order",
        "-release__major",
        "-release__minor",
        "-release__patch",
        "language",
    )

    @admin.display(description=_("product"), ordering="release__product__sort_order")
    def product(self, obj: ReleaseNote) -> str:
        return obj.release.product.name

    @admin.display(description=_("preview"))
    def preview(self, obj: ReleaseNote) -> StrOrPromise:
        if not obj.pk:
            return _("Save the notes to see a preview.")
        html = mark_safe(markdown_render(obj.body))  # noqa: S308 - sanitised by nh3
        return format_html('<div class="article-preview">{}</div>', html)


def _https_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class TrainingForm(forms.ModelForm):
    class Meta:
        model = Training
        formfield_callback = _https_formfield
        fields = (
            "kind",
            "title",
            "description",
            "product",
            "language",
            "duration_minutes",
            "url",
            "starts_at",
            "is_published",
        )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data.get("kind") == TrainingKind.WEBINAR and not data.get("starts_at"):
            self.add_error("starts_at", _("A webinar needs a start time."))
        return data


@admin.register(Training)
class TrainingAdmin(_HttpsLinksAdmin):
    form = TrainingForm
    list_display = ("title", "kind", "product", "language", "starts_at", "is_published")
    list_filter = ("kind", "language", "product", "is_published")
    list_select_related = ("product",)
    search_fields = ("title", "description")
    date_hierarchy = "starts_at"
    fields = (
        "kind",
        "title",
        "description",
        "product",
        "language",
        "duration_minutes",
        "url",
        "starts_at",
        "is_published",
    )


class ArticleImageForm(forms.ModelForm):
    """Accepts a PNG, JPEG, GIF or WebP image, recognised by its bytes."""

    image_type: images.ImageType | None = None

    class Meta:
        model = ArticleImage
        fields = ("file", "alt_text")
        help_texts = {
            "file": _("PNG, JPEG, GIF or WebP, at most 5 MB."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            self.fields["file"].widget.attrs["accept"] = "image/png,image/jpeg,image/gif,image/webp"

    def clean_file(self) -> File | None:
        upload = self.cleaned_data.get("file")
        if upload is None or not hasattr(upload, "content_type"):
            return upload  # the stored file of an existing image
        try:
            self.image_type = images.image_check(upload)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return upload


@admin.register(ArticleImage)
class ArticleImageAdmin(admin.ModelAdmin):
    form = ArticleImageForm
    list_display = ("alt_text", "markdown", "uploaded_by", "created_at")
    list_select_related = ("uploaded_by",)
    search_fields = ("alt_text", "key")
    readonly_fields = ("markdown", "picture", "uploaded_by", "created_at")

    def get_fields(self, request: HttpRequest, obj: ArticleImage | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("file", "alt_text")
        return ("markdown", "picture", "alt_text", "uploaded_by", "created_at")

    @admin.display(description=_("Markdown to paste into an article"))
    def markdown(self, obj: ArticleImage) -> str:
        if not obj.pk:
            return ""
        return format_html('<code class="image-markdown">{}</code>', images.image_markdown(obj))

    @admin.display(description=_("image"))
    def picture(self, obj: ArticleImage) -> str:
        if not obj.pk:
            return ""
        return format_html(
            '<img src="{}" alt="{}" class="article-image-preview">',
            images.image_url(obj),
            obj.alt_text,
        )

    def save_model(
        self, request: HttpRequest, obj: ArticleImage, form: ArticleImageForm, change: bool
    ) -> None:
        if not change:
            kind = form.image_type
            if kind is None:  # clean_file always sets it for a new upload
                kind = images.image_check(form.cleaned_data["file"])
            images.image_prepare(image=obj, kind=kind, by=request.user)
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: ArticleImage) -> None:
        images.article_image_delete(image=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ArticleImage]) -> None:
        for image in queryset:
            images.article_image_delete(image=image)
