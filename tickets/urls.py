"""Customer pages of the tickets app, under /tickets/."""

from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("<str:ticket_id>/", views.ticket_detail, name="detail"),
    path(
        "<str:ticket_id>/files/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]
