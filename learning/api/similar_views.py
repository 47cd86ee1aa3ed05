"""Similar cases and priors of an image (the reading screen's panel and strip). Thin: the
selectors in learning.selectors.similar decide what the user may see."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from learning.selectors.similar import DEFAULT_K, MAX_K, priors, similar_cases


class FinalLabelOut(serializers.Serializer):
    finding = serializers.CharField()
    value = serializers.CharField()
    version = serializers.CharField()
    how_reached = serializers.CharField(allow_null=True)
    rounds = serializers.IntegerField()


class SimilarCaseOut(serializers.Serializer):
    rank = serializers.IntegerField()
    image = serializers.IntegerField()
    study = serializers.IntegerField()
    view_position = serializers.CharField()
    similarity = serializers.FloatField(help_text="Cosine similarity of the embeddings, -1..1.")
    thumbnail_url = serializers.CharField()
    positive_findings = serializers.ListField(child=serializers.CharField())
    how_reached = serializers.CharField(allow_null=True, help_text="The most contested of its labels'.")
    labels = FinalLabelOut(many=True)


class ModelVersionRef(serializers.Serializer):
    id = serializers.IntegerField()
    tag = serializers.CharField()
    status = serializers.CharField()


class SearchInfo(serializers.Serializer):
    method = serializers.ChoiceField(choices=["exact", "faiss-ivf"])
    index_generation = serializers.CharField(allow_null=True)
    indexed = serializers.IntegerField()
    unindexed = serializers.IntegerField(help_text="Adjudicated since the index was built; searched exactly.")


class SimilarOut(serializers.Serializer):
    image = serializers.IntegerField()
    dataset = serializers.IntegerField()
    k = serializers.IntegerField()
    model_version = ModelVersionRef()
    search = SearchInfo()
    results = SimilarCaseOut(many=True)


class PriorLabelOut(serializers.Serializer):
    finding = serializers.CharField()
    value = serializers.CharField()
    how_reached = serializers.CharField(required=False, allow_null=True)
    source_version = serializers.CharField(required=False)


class PriorImageOut(serializers.Serializer):
    id = serializers.IntegerField()
    view_position = serializers.CharField()
    thumbnail_url = serializers.CharField()
    label_source = serializers.ChoiceField(choices=["adjudicated", "nlp"], allow_null=True)
    labels = PriorLabelOut(many=True)


class PriorStudyOut(serializers.Serializer):
    id = serializers.IntegerField()
    study_date = serializers.DateField(allow_null=True)
    relation = serializers.ChoiceField(choices=["prior", "same_day", "later", "undated"])
    modality = serializers.CharField()
    description = serializers.CharField()
    images = PriorImageOut(many=True)


class CurrentStudyOut(serializers.Serializer):
    id = serializers.IntegerField()
    study_date = serializers.DateField(allow_null=True)


class PriorsOut(serializers.Serializer):
    image = serializers.IntegerField()
    study = CurrentStudyOut()
    labels_hidden = serializers.BooleanField()
    labels_hidden_reason = serializers.CharField(allow_null=True)
    studies = PriorStudyOut(many=True)


class SimilarCasesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("k", int, description=f"How many (1-{MAX_K}, default {DEFAULT_K})."),
            OpenApiParameter("model_version", int, description="A model version id (default: production)."),
        ],
        responses=SimilarOut,
    )
    def get(self, request: Request, image_id: int) -> Response:
        """The k most similar already-adjudicated images of the same dataset (cosine similarity of
        the model's embeddings), never of the same patient, with their final labels and how they
        were reached. 403 (code blinded_first_read) while you hold an unsubmitted first read of
        the image and the dataset hides similar cases on first reads; 409 when there is no
        production model (no_model) or the image has no embedding yet (no_embedding)."""
        data = similar_cases(
            request.user,
            image_id,
            k=request.query_params.get("k"),
            model_version_id=request.query_params.get("model_version"),
        )
        return Response(SimilarOut(data).data)


class PriorsView(APIView):
    @extend_schema(responses=PriorsOut)
    def get(self, request: Request, image_id: int) -> Response:
        """The same patient's other studies, oldest first (undated last), with their labels: final
        labels where adjudicated, else NLP labels. Labels are withheld (labels_hidden) while you
        hold an unsubmitted first read of the image and the dataset hides similar cases then."""
        return Response(PriorsOut(priors(request.user, image_id)).data)


urlpatterns = [
    path("images/<int:image_id>/similar/", SimilarCasesView.as_view(), name="image-similar"),
    path("images/<int:image_id>/priors/", PriorsView.as_view(), name="image-priors"),
]
