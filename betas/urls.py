"""The beta group, under /beta/."""

from django.urls import path

from betas import views

app_name = "betas"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("leave/<int:enrolment_id>/", views.leave, name="leave"),
    path("<slug:product_code>/", views.product_betas, name="product"),
]
