"""Customer pages of the entitlements app."""

from django.urls import path

from entitlements import unsubscribe, views

app_name = "entitlements"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("versions/", views.versions, name="versions"),
    path("register/", views.register, name="register"),
    path("claim/", views.claim, name="claim"),
    path("buy/", views.buy, name="buy"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/remove/", views.cart_remove, name="cart_remove"),
    path("checkout/", views.checkout, name="checkout"),
    path(
        "release-emails/unsubscribe/<str:token>/",
        unsubscribe.release_unsubscribe,
        name="release_unsubscribe",
    ),
]
