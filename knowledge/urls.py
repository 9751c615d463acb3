from django.urls import path

from knowledge import images, pages, suggestions, views

app_name = "knowledge"

urlpatterns = [
    path("", views.help_index, name="index"),
    path("suggest/", suggestions.article_suggest, name="suggest"),
    path("releases/", pages.releases, name="releases"),
    path("releases/<slug:product_code>/<str:version>/", pages.release_detail, name="release"),
    path("training/", pages.training, name="training"),
    path("products/<slug:code>/", pages.product_detail, name="product"),
    path("images/<str:name>", images.image_serve, name="image"),
    path("<slug:slug>/", views.article_detail, name="article"),
    path("<slug:slug>/feedback/", views.article_feedback, name="feedback"),
]
