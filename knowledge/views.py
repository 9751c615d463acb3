"""The public help centre: search, articles and "was this helpful?". No sign-in needed."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from entitlements.models import Product
from knowledge import selectors, services, suggestions
from knowledge.models import ArticleCategory, ArticleLanguage
from knowledge.rendering import markdown_render

VISITOR_COOKIE = "kb_visitor"
_VISITOR_SALT = "knowledge.visitor"
_VISITOR_MAX_AGE = 365 * 24 * 3600


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search the help centre"), required=False, max_length=200
    )
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    version = forms.CharField(label=gettext_lazy("Version"), required=False, max_length=20)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        choices=[("", gettext_lazy("All categories")), *ArticleCategory.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [
            ("", _("All products")),
            *Product.objects.filter(is_active=True)
            .order_by("sort_order", "name")
            .values_list("code", "name"),
        ]


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda value: value == "yes",
    )
    comment = forms.CharField(
        label=gettext_lazy("What was missing? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def reader_language() -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in ArticleLanguage.values else ArticleLanguage.ENGLISH


def _visitor(request: HttpRequest) -> str | None:
    try:
        return request.get_signed_cookie(VISITOR_COOKIE, salt=_VISITOR_SALT)
    except (KeyError, signing.BadSignature):
        return None


def _feedback_rate(group: str, request: HttpRequest) -> str:
    return settings.KNOWLEDGE_RATE_FEEDBACK


@require_GET
def help_index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    language = reader_language()
    data = form.cleaned_data if form.is_valid() else {}
    query = data.get("q", "")
    product = data.get("product") or None
    version = data.get("version", "")
    category = data.get("category", "")
    hits = None
    listing = None
    if query:
        options: selectors.SearchOptions = {
            "product": product,
            "version": version,
            "prefer_products": suggestions.registered_product_ids(user=request.user),
            "beta_products": selectors.beta_product_ids(user=request.user),
        }
        # The other language is better than nothing; the result says which it is.
        hits = selectors.article_search_for_reader(query=query, language=language, **options)
        if not hits:
            services.search_miss_record(
                query=query,
                language=language,
                product=Product.objects.filter(code=product).first() if product else None,
            )
    elif product or category:
        articles = selectors.published_articles(
            language=language,
            product=product,
            beta_products=selectors.beta_product_ids(user=request.user),
        )
        if category:
            articles = articles.filter(category=category)
        listing = [
            a for a in articles.order_by("title") if selectors.applies_to_version(a, version)
        ]
    return render(
        request,
        "knowledge/index.html",
        {
            "form": form,
            "query": query,
            "hits": hits,
            "listing": listing,
            "products": selectors.categories_per_product(language=language),
            "canonical": settings.SITE_URL + reverse("knowledge:index"),
        },
    )


@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    betas = selectors.beta_product_ids(user=request.user)
    article = selectors.article_for_reader(slug=slug, beta_products=betas)
    if article is None:
        raise Http404
    language = reader_language()
    compose = request.GET.get("from", "")
    if not suggestions.compose_key_valid(compose):
        compose = ""
    if compose:
        suggestions.suggestion_open(compose=compose, article=article)
    translated = selectors.article_translation(
        article=article, language=language, beta_products=betas
    )
    if translated is not None and translated.pk != article.pk:
        target = reverse("knowledge:article", args=[translated.slug])
        # The request draft's key goes along, so the translation counts as the same reading.
        return redirect(f"{target}?{urlencode({'from': compose})}" if compose else target)
    services.article_view_count(article=article)
    visitor = _visitor(request)
    answered = bool(visitor) and article.feedback.filter(visitor=visitor).exists()
    other = selectors.article_translation(
        article=article,
        language=ArticleLanguage.GERMAN
        if article.language == ArticleLanguage.ENGLISH
        else ArticleLanguage.ENGLISH,
        beta_products=betas,
    )
    return render(
        request,
        "knowledge/article.html",
        {
            "article": article,
            "body": markdown_render(article.body),
            "fallback": translated is None,
            "other_translation": other,
            "applies_to": selectors.article_applies_to(article=article, on=timezone.localdate()),
            "related": selectors.article_related(article=article, beta_products=betas),
            "feedback_form": FeedbackForm(),
            "answered": answered,
            "canonical": settings.SITE_URL + reverse("knowledge:article", args=[article.slug]),
        },
    )


@require_POST
@ratelimit(group="knowledge.feedback", key="ip", rate=_feedback_rate, method="POST", block=False)
def article_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return render(
            request,
            "tickets/rate_limited.html",
            {"message": _("Too many requests in a short time. Please wait a while and try again.")},
            status=429,
        )
    article = selectors.article_for_reader(
        slug=slug, beta_products=selectors.beta_product_ids(user=request.user)
    )
    if article is None:
        raise Http404
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return redirect("knowledge:article", slug=article.slug)
    visitor = _visitor(request) or secrets.token_urlsafe(24)
    recorded = services.feedback_record(
        article=article,
        visitor=visitor,
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
    )
    if recorded:
        messages.success(request, _("Thank you for your feedback."))
    else:
        messages.info(request, _("You have already answered for this article."))
    response = redirect(reverse("knowledge:article", args=[article.slug]) + "#feedback")
    response.set_signed_cookie(
        VISITOR_COOKIE,
        visitor,
        salt=_VISITOR_SALT,
        max_age=_VISITOR_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
