from django.urls import path

from portal.contact import views

app_name = "contact"

urlpatterns = [
    path("", views.contact, name="page"),
    path("sent/", views.contact_sent, name="sent"),
    path("verify-email/", views.verification_resend, name="verification-resend"),
]
