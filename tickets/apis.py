"""REST API of the tickets app, mounted under /api/v1/."""

urlpatterns: list = []
