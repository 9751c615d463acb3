"""Survey pages, under /surveys/."""

from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("r/<str:token>/", views.respond, name="respond"),
    path("r/<str:token>/thanks/", views.thanks, name="thanks"),
]
