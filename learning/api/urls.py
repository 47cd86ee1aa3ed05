"""Routes of learning's part of the v1 REST API: QC and scoring jobs, overlays, similar cases,
training runs, the model registry, rankings and the NLP loop."""

from learning.api import model_views, nlp_views, similar_views, training_views

urlpatterns = [
    *similar_views.urlpatterns,
    *model_views.urlpatterns,
    *training_views.urlpatterns,
    *nlp_views.urlpatterns,
]
