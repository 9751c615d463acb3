from __future__ import annotations

from rest_framework import serializers

from knowledge.models import ArticleCategory, ArticleLanguage


class ArticleSearchRequestSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    product = serializers.SlugField(required=False, allow_blank=True, default="")
    version = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    language = serializers.ChoiceField(
        choices=ArticleLanguage.choices, required=False, allow_blank=True, default=""
    )


class ArticleHitSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.CharField(help_text="The article's page, relative to the site.")
    language = serializers.ChoiceField(choices=ArticleLanguage.choices)
    category = serializers.ChoiceField(choices=ArticleCategory.choices)
    products = serializers.ListField(child=serializers.SlugField())
    min_version = serializers.CharField()
    max_version = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    snippet = serializers.CharField(
        help_text="HTML: the article's text escaped, with <mark> around the matching words."
    )
    rank = serializers.FloatField()


class ArticleSearchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ArticleHitSerializer(many=True)
