"""Routes at the site's root that the help centre owns: the sitemap."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from knowledge.sitemaps import SITEMAPS

urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
