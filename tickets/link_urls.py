"""Pages behind a private ticket link, under /t/<token>/."""

from django.urls import path

from tickets import views

app_name = "ticket_links"

urlpatterns = [
    path("<str:token>/", views.link_detail, name="detail"),
    path("<str:token>/files/<int:attachment_id>/", views.link_attachment, name="attachment"),
]
