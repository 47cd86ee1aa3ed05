"""Routes of the v1 REST API."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from annotations.api import (
    dashboard_views,
    learning_views,
    me_views,
    model_views,
    nlp_views,
    privacy_views,
    protocol_views,
    reading_urls,
    similar_views,
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
    *similar_views.urlpatterns,
    *model_views.urlpatterns,
    *learning_views.urlpatterns,
    *privacy_views.urlpatterns,
    *protocol_views.urlpatterns,
    *nlp_views.urlpatterns,
    *dashboard_views.urlpatterns,
]
