"""Routes of the domain's part of the v1 REST API (learning adds its own: learning/api/urls.py)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from annotations.api import (
    dashboard_views,
    me_views,
    privacy_views,
    protocol_views,
    reading_urls,
    views,
)

router = DefaultRouter()
router.register("datasets", views.DatasetViewSet, basename="dataset")
router.register("studies", views.StudyViewSet, basename="study")
router.register("images", views.ImageViewSet, basename="image")
router.register("jobs", views.JobViewSet, basename="job")

urlpatterns = [
    path("me/", me_views.MeView.as_view(), name="me"),
    *router.urls,
    *reading_urls.urlpatterns,
    *privacy_views.urlpatterns,
    *protocol_views.urlpatterns,
    *dashboard_views.urlpatterns,
]
