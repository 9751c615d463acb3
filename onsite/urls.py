"""OnSite Protect pages of partners, under /partners/onsite/."""

from django.urls import path

from onsite import views

app_name = "onsite"

urlpatterns = [
    path("", views.booking_list, name="list"),
    path("<int:booking_id>/", views.booking_detail, name="detail"),
    path("<int:booking_id>/calendar.ics", views.booking_calendar, name="calendar"),
    path("<int:booking_id>/cancel/", views.booking_cancel, name="cancel"),
]
