"""Pages behind a private ticket link, under /t/<token>/."""

app_name = "ticket_links"

urlpatterns: list = []
