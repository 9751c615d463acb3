"""Customer pages of the tickets app, under /tickets/."""

app_name = "tickets"

urlpatterns: list = []
