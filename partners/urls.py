"""The partner area, under /partners/."""

from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.area, name="area"),
    path("apply/", views.apply, name="apply"),
    path("members/invite/", views.invite, name="invite"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path(
        "invitations/<int:pk>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("nfr/agreement/", views.nfr_agreement, name="nfr_agreement"),
    path("nfr/new/", views.nfr_request, name="nfr_request"),
    path("pre-sales/new/", views.presales_new, name="presales_new"),
    path("post-sales/new/", views.postsales_new, name="postsales_new"),
]
