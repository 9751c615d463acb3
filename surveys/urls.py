"""Survey pages, under /surveys/."""

app_name = "surveys"

urlpatterns: list = []
