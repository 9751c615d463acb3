"""The help centre's product pages: release notes, training and one page per product."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from knowledge import content
from knowledge.models import ArticleLanguage
from knowledge.views import reader_language


def _product_choices() -> list[tuple[str, str]]:
    return [
        ("", str(_("All products"))),
        *content.active_products().values_list("code", "name"),
    ]


class ReleaseFilterForm(forms.Form):
    product = forms.ChoiceField(label=_("Product"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = _product_choices()


class TrainingFilterForm(ReleaseFilterForm):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("All languages")), *ArticleLanguage.choices],
    )


def _canonical(name: str, *args: str) -> str:
    return settings.SITE_URL + reverse(name, args=args)


@require_GET
def releases(request: HttpRequest) -> HttpResponse:
    form = ReleaseFilterForm(request.GET or None)
    product = form.cleaned_data.get("product") if form.is_valid() else None
    return render(
        request,
        "knowledge/releases.html",
        {
            "form": form,
            "filtered": bool(product),
            "products": content.release_listing(
                user=request.user, language=reader_language(), product_code=product or None
            ),
            "canonical": _canonical("knowledge:releases"),
        },
    )


@require_GET
def release_detail(request: HttpRequest, product_code: str, version: str) -> HttpResponse:
    entry = content.release_for_reader(
        user=request.user,
        product_code=product_code,
        version=version,
        language=reader_language(),
    )
    if entry is None:
        raise Http404
    return render(
        request,
        "knowledge/releases.html",
        {
            "entry": entry,
            "products": [content.ProductReleases(product=entry.release.product, releases=[entry])],
            "canonical": _canonical("knowledge:release", product_code, version),
        },
    )


@require_GET
def training(request: HttpRequest) -> HttpResponse:
    form = TrainingFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    zone = content.visitor_zone(user=request.user)
    return render(
        request,
        "knowledge/training.html",
        {
            "form": form,
            "listing": content.training_listing(
                now=timezone.now(),
                product_code=data.get("product") or None,
                language=data.get("language") or None,
            ),
            "zone": zone,
            "zone_name": str(zone),
            "canonical": _canonical("knowledge:training"),
        },
    )


@require_GET
def product_detail(request: HttpRequest, code: str) -> HttpResponse:
    page = content.product_page(
        code=code, user=request.user, language=reader_language(), now=timezone.now()
    )
    if page is None:
        raise Http404
    zone = content.visitor_zone(user=request.user)
    return render(
        request,
        "knowledge/product.html",
        {
            "page": page,
            "product": page.product,
            "zone": zone,
            "zone_name": str(zone),
            "canonical": _canonical("knowledge:product", page.product.code),
        },
    )
