from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from entitlements import webhooks as entitlement_webhooks
from portal.core import views as core_views
from telemetry import dashboard as telemetry_dashboard
from tickets import desk_views
from tickets import webhooks as ticket_webhooks

admin.site.site_header = "NovaDesk"
admin.site.site_title = "NovaDesk"
# The queue needs the width more than the app menu does.
admin.site.enable_nav_sidebar = False

# The portal's and the desk's own pages for refused, missing and failed pages.
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("portal.accounts.urls")),
    path("support/", include("entitlements.urls")),
    path("tickets/", include("tickets.urls")),
    path("t/", include("tickets.link_urls")),
    path("surveys/", include("surveys.urls")),
    path("partners/", include("partners.urls")),
    path("partners/onsite/", include("onsite.urls")),
    path("beta/", include("betas.urls")),
    path("customer-experience/", include("telemetry.urls")),
    path("help/", include("knowledge.urls")),
    path("contact/", include("portal.contact.urls")),
    path("", include("knowledge.site_urls")),
    # Only the configured provider's inbound webhook: anymail's other URLs answer 404.
    path(
        "anymail/",
        include((ticket_webhooks.inbound_urlpatterns(settings.INBOUND_EMAIL_PROVIDER), "anymail")),
    ),
    # Staff sign in through the portal's (throttled) sign-in; the desk's own admin pages.
    path("admin/login/", core_views.admin_login, name="desk-admin-login"),
    path(
        "admin/desk/callbacks/", admin.site.admin_view(desk_views.callbacks), name="desk-callbacks"
    ),
    path(
        "admin/desk/dashboard/", admin.site.admin_view(desk_views.dashboard), name="desk-dashboard"
    ),
    path(
        "admin/telemetry/dashboard/",
        admin.site.admin_view(telemetry_dashboard.dashboard),
        name="telemetry-dashboard",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("portal.api", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("webhooks/orders/", entitlement_webhooks.order_notification, name="webhook-orders"),
]
