"""Routes of the reading, adjudication, QC, agreement and export endpoints (included by urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from annotations.api import auth_views, export_views, reading_views, review_views

router = SimpleRouter()
router.register("work-items", reading_views.WorkItemViewSet, basename="work-item")
router.register("reads", reading_views.ReadViewSet, basename="read")
router.register("adjudication-cases", reading_views.AdjudicationCaseViewSet, basename="adjudication-case")
router.register("final-labels", review_views.FinalLabelViewSet, basename="final-label")

ds = "datasets/<int:dataset_id>/"
urlpatterns = [
    path("auth/token/", auth_views.token_view, name="api-token"),
    path("skip-reasons/", reading_views.SkipReasonsView.as_view(), name="skip-reasons"),
    path(f"{ds}worklist/next/", reading_views.WorklistNextView.as_view(), name="worklist-next"),
    path(f"{ds}worklist/claims/", reading_views.MyClaimsView.as_view(), name="worklist-claims"),
    path(f"{ds}worklist/summary/", reading_views.WorklistSummaryView.as_view(), name="worklist-summary"),
    path(f"{ds}worklist/enqueue/", reading_views.EnqueueView.as_view(), name="worklist-enqueue"),
    path(
        f"{ds}worklist/reprioritise/", reading_views.ReprioritiseView.as_view(), name="worklist-reprioritise"
    ),
    path(f"{ds}work-items/", reading_views.WorkItemListView.as_view(), name="dataset-work-items"),
    path(f"{ds}final-labels/", review_views.FinalLabelListView.as_view(), name="dataset-final-labels"),
    path(f"{ds}agreement/", review_views.AgreementView.as_view(), name="dataset-agreement"),
    path(f"{ds}qc-flags/", review_views.QCFlagListView.as_view(), name="dataset-qc-flags"),
    path(f"{ds}qc-flags/resolve/", review_views.QCResolveView.as_view(), name="dataset-qc-resolve"),
    path(f"{ds}label-sets/", export_views.SnapshotListCreateView.as_view(), name="dataset-label-sets"),
    path(f"{ds}label-sets/<int:number>/", export_views.SnapshotDetailView.as_view(), name="label-set"),
    path(
        f"{ds}label-sets/<int:number>/download/",
        export_views.SnapshotDownloadView.as_view(),
        name="label-set-download",
    ),
    *router.urls,
]
