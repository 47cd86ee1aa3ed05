"""Final labels (list, history, corrections), agreement statistics and the QC worklist endpoints."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.access.blinding import access_agreement_readers
from annotations.access.datasets import access_dataset, access_datasets
from annotations.api import reading_serializers as s
from annotations.api.params import object_id, validated
from annotations.models import Label
from annotations.models.choices import Role
from annotations.selectors.agreement import agreement_stats
from annotations.selectors.final_labels import final_label_get, published_final_labels
from annotations.selectors.qc_flags import qc_flags_list
from annotations.services.adjudication.corrections import label_correct
from annotations.services.qc.review import qc_resolve

ANY_ROLE = (Role.RADIOLOGIST, Role.ADJUDICATOR, Role.ADMIN, Role.EXPORT)
QC_ROLES = (Role.RADIOLOGIST, Role.ADJUDICATOR, Role.ADMIN)
CORRECTORS = (Role.ADJUDICATOR, Role.ADMIN)


class FinalLabelListView(generics.ListAPIView):
    """Current final labels of items that are done, with their provenance."""

    serializer_class = s.FinalLabelSerializer

    @extend_schema(parameters=[s.FinalLabelQuerySerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        dataset = access_dataset(self.request.user, self.kwargs["dataset_id"], roles=ANY_ROLE)
        q = validated(s.FinalLabelQuerySerializer, self.request.query_params)
        qs = published_final_labels(
            dataset,
            findings=[q["finding"]] if q.get("finding") else None,
            how_reached=[q["how_reached"]] if q.get("how_reached") else None,
        )
        if "image" in q:
            qs = qs.filter(image_id=q["image"])
        return qs.select_related("finding", "provenance").order_by("image_id", "finding__order")


class FinalLabelViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.FinalLabelDetailSerializer

    def get_queryset(self):  # the schema generator asks; objects come from final_label_get
        return Label.objects.none()

    def retrieve(self, request: Request, pk=None) -> Response:
        """A final label with every version of it (corrections supersede, never overwrite)."""
        label = final_label_get(access_datasets(request.user), object_id(pk, "final label"))
        access_dataset(request.user, label.image.dataset_id, roles=ANY_ROLE)
        return Response(s.FinalLabelDetailSerializer(label).data)

    @extend_schema(request=s.CorrectionSerializer, responses={201: s.FinalLabelSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk=None) -> Response:
        """Correct the current version: writes version n+1 with the reason (admins, adjudicators)."""
        label = final_label_get(access_datasets(request.user), object_id(pk, "final label"))
        access_dataset(request.user, label.image.dataset_id, roles=CORRECTORS)
        data = validated(s.CorrectionSerializer, request.data)
        written = label_correct(actor=request.user, label=label, value=data["value"], reason=data["reason"])
        return Response(s.FinalLabelSerializer(written, many=True).data, status=status.HTTP_201_CREATED)


class AgreementView(generics.GenericAPIView):
    serializer_class = s.AgreementSerializer

    def get(self, request: Request, dataset_id: int) -> Response:
        """Reader agreement over done items: Fleiss' kappa per finding, Cohen's kappa per reader pair,
        each reader's, the NLP's and the model's agreement with the final label. Radiologists see the
        per-finding figures and their own row; adjudicators and admins see every reader."""
        dataset = access_dataset(request.user, dataset_id, roles=QC_ROLES)
        stats = agreement_stats(dataset, only_reader_id=access_agreement_readers(request.user, dataset))
        return Response(s.AgreementSerializer(stats).data)


class QCFlagListView(generics.ListAPIView):
    """The QC worklist: flags of the dataset (open by default), most probable first."""

    serializer_class = s.QCFlagSerializer

    @extend_schema(parameters=[s.QCQuerySerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        dataset = access_dataset(self.request.user, self.kwargs["dataset_id"], roles=QC_ROLES)
        q = validated(s.QCQuerySerializer, self.request.query_params)
        return qc_flags_list(
            dataset,
            statuses=sorted(q.get("status") or []) or None,
            kinds=sorted(q.get("kind") or []) or None,
            min_probability=q.get("min_probability"),
            max_probability=q.get("max_probability"),
        )


class QCResolveView(generics.GenericAPIView):
    serializer_class = s.QCResolveSerializer

    @extend_schema(request=s.QCResolveSerializer, responses=s.QCResolveResultSerializer)
    def post(self, request: Request, dataset_id: int) -> Response:
        """Confirm, reject, correct (rotate / mirror / invert) or fix (each flag's suggested fix) open
        flags in bulk; all or nothing. Corrections change the derived image, never the stored pixels."""
        dataset = access_dataset(request.user, dataset_id, roles=QC_ROLES)
        data = validated(s.QCResolveSerializer, request.data)
        result = qc_resolve(
            actor=request.user,
            dataset=dataset,
            flag_ids=data["flag_ids"],
            action=data["action"],
            rotate=data["rotate"],
            flip=data["flip"],
            invert=data["invert"],
            note=data["note"],
        )
        return Response(s.QCResolveResultSerializer(result.__dict__).data)
