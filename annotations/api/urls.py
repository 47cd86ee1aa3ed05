"""Routes of the v1 REST API."""

urlpatterns: list = []
