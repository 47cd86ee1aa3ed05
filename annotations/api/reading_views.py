"""Worklist, reads and adjudication endpoints. Thin: the gatekeepers of annotations.access decide
what a user may see (datasets.py: which datasets and images; blinding.py: which reads, rounds and
reader identities), selectors shape it, services do the writes."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.access.blinding import (
    access_case,
    access_cases,
    access_read,
    access_reader_identity,
    access_reads,
)
from annotations.access.datasets import access_dataset, access_datasets
from annotations.api import reading_serializers as s
from annotations.api import undo_skip_serializers as us
from annotations.api.params import int_param, object_id, validated
from annotations.errors import InvalidInputError, NotFoundError
from annotations.models import Read, SkipReason, WorkItem
from annotations.models.choices import Role, WorkState
from annotations.selectors.reading_context import case_context, item_context, read_summary, read_view
from annotations.selectors.reads import reader_orders
from annotations.selectors.worklist import active_claims, worklist_summary
from annotations.services.adjudication.rounds import case_decide, case_respond
from annotations.services.reading.first_reads import read_release, read_renew, read_revise, read_submit
from annotations.services.reading.skip import read_skip
from annotations.services.reading.undo import read_undo, undo_grace_seconds
from annotations.services.reading.worklist import worklist_enqueue, worklist_next, worklist_reprioritise

WORKERS = (Role.RADIOLOGIST, Role.ADJUDICATOR, Role.ADMIN)
OVERSEERS = (Role.ADJUDICATOR, Role.ADMIN)


def _answers(data: dict) -> dict:
    labels = data.get("labels")
    return {
        "labels": [dict(e) for e in labels] if labels is not None else None,
        "choice": data.get("choice"),
    }


def _model_version(dataset, pk):
    if pk is None:
        return None
    version = dataset.model_versions.filter(pk=pk).first()
    if version is None:
        raise NotFoundError("No such model version in this dataset.")
    return version


class WorklistNextView(generics.GenericAPIView):
    serializer_class = s.TaskSerializer

    @extend_schema(request=None, responses=s.TaskSerializer)
    def post(self, request: Request, dataset_id: int) -> Response:
        """Claim your next task: an adjudication round you owe, a case waiting for an adjudicator
        (adjudicators), else the highest-priority item still needing a first read from you, held
        with a lease. `task` is null when there is nothing to do now."""
        dataset = access_dataset(request.user, dataset_id, roles=(Role.RADIOLOGIST, Role.ADJUDICATOR))
        task = worklist_next(reader=request.user, dataset=dataset)
        if task is None:
            return Response(s.TaskSerializer({"task": None, "read": None, "case": None, "item": None}).data)
        payload = {
            "task": task.kind,
            "read": read_summary(task.read) if task.read else None,
            "case": case_context(request.user, task.case) if task.case else None,
            "item": item_context(request.user, task.item, read=task.read, case=task.case),
        }
        return Response(s.TaskSerializer(payload).data)


class MyClaimsView(generics.ListAPIView):
    """Your claimed first reads on the dataset whose lease is still running, oldest first."""

    serializer_class = s.ReadSummarySerializer

    def get_queryset(self):
        dataset = access_dataset(self.request.user, self.kwargs["dataset_id"], roles=(Role.RADIOLOGIST,))
        return active_claims(reader=self.request.user, dataset=dataset)

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([read_summary(r) for r in page])


class WorklistSummaryView(generics.GenericAPIView):
    serializer_class = s.SummarySerializer

    def get(self, request: Request, dataset_id: int) -> Response:
        """Counts of the reading queue (never values): items per state, claims, cases, QC flags."""
        dataset = access_dataset(request.user, dataset_id, roles=OVERSEERS)
        return Response(s.SummarySerializer(worklist_summary(dataset)).data)


class EnqueueView(generics.GenericAPIView):
    serializer_class = s.EnqueueSerializer

    @extend_schema(request=s.EnqueueSerializer, responses={201: s.EnqueueResultSerializer})
    def post(self, request: Request, dataset_id: int) -> Response:
        """Select images for review (all, the given ids, or the top `limit` by a stored ranking)."""
        dataset = access_dataset(request.user, dataset_id, roles=(Role.ADMIN,))
        data = validated(s.EnqueueSerializer, request.data)
        result = worklist_enqueue(
            dataset=dataset,
            image_ids=data.get("image_ids"),
            strategy=data["strategy"],
            seed=data["seed"],
            limit=data.get("limit"),
            model_version=_model_version(dataset, data.get("model_version")),
            actor=request.user,
        )
        return Response(s.EnqueueResultSerializer(result.__dict__).data, status=status.HTTP_201_CREATED)


class ReprioritiseView(generics.GenericAPIView):
    serializer_class = s.ReprioritiseSerializer

    @extend_schema(request=s.ReprioritiseSerializer, responses=s.CountSerializer)
    def post(self, request: Request, dataset_id: int) -> Response:
        """Refill the queue's priorities from the stored scores of a strategy (and model version)."""
        dataset = access_dataset(request.user, dataset_id, roles=(Role.ADMIN,))
        data = validated(s.ReprioritiseSerializer, request.data)
        n = worklist_reprioritise(
            dataset=dataset,
            strategy=data["strategy"],
            model_version=_model_version(dataset, data.get("model_version")),
            actor=request.user,
        )
        return Response({"items": n})


class WorkItemListView(generics.ListAPIView):
    """The dataset's queue in priority order (admins and adjudicators), filterable by state."""

    serializer_class = s.WorkItemListSerializer

    @extend_schema(parameters=[OpenApiParameter("state", enum=WorkState.values)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        dataset = access_dataset(self.request.user, self.kwargs["dataset_id"], roles=OVERSEERS)
        qs = WorkItem.objects.filter(dataset=dataset)
        if state := self.request.query_params.get("state"):
            if state not in WorkState.values:
                raise InvalidInputError(f"state must be one of {', '.join(WorkState.values)}")
            qs = qs.filter(state=state)
        return qs.order_by("-priority", "id")


class WorkItemViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ItemContextSerializer

    def get_queryset(self):
        return WorkItem.objects.filter(dataset__in=access_datasets(self.request.user))

    def retrieve(self, request: Request, pk=None) -> Response:
        """The item as you may see it: image, study, report and NLP evidence (by dataset policy),
        model labels, your own reads, and other readers' reads only where blinding allows."""
        item = (
            self.get_queryset()
            .select_related("dataset__schema", "image__study__patient")
            .filter(pk=object_id(pk, "work item"))
            .first()
        )
        if item is None:
            raise NotFoundError("No such work item.")
        access_dataset(request.user, item.dataset_id, roles=WORKERS)
        return Response(s.ItemContextSerializer(item_context(request.user, item)).data)


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reads you may see: your own always; others' only where the blinding rule allows."""

    serializer_class = s.ReadOutSerializer

    def get_queryset(self):
        qs = access_reads(self.request.user).select_related("image").prefetch_related("labels__finding")
        for name, field in (("dataset", "image__dataset_id"), ("image", "image_id"), ("round", "round")):
            if (value := int_param(self.request, name)) is not None:
                qs = qs.filter(**{field: value})
        return qs.order_by("id")

    def _render(self, reads: list[Read]) -> list[dict]:
        user = self.request.user
        orders = reader_orders(sorted({r.image_id for r in reads}))
        identity: dict[tuple[int, bool], bool] = {}  # (dataset, is a reader of the image) -> ids shown
        out = []
        for read in reads:
            order = orders.get(read.image_id, [])
            key = (read.image.dataset_id, user.pk in order)
            if key not in identity:
                identity[key] = access_reader_identity(user, read.image.dataset, is_reader=key[1])
            out.append(read_view(user, read, order, show_ids=identity[key]))
        return out

    @extend_schema(
        parameters=[
            OpenApiParameter("dataset", int),
            OpenApiParameter("image", int),
            OpenApiParameter("round", int),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset().select_related("image__dataset"))
        return self.get_paginated_response(self._render(page))

    def retrieve(self, request: Request, pk=None) -> Response:
        read = access_read(request.user, object_id(pk, "read"))
        return Response(self._render([read])[0])

    @extend_schema(request=s.ReadSubmitSerializer, responses=s.ReadOutSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        """Submit your claimed first read: a value for every finding (or the one class), an optional
        comment per finding and overall, and your reading time."""
        data = validated(s.ReadSubmitSerializer, request.data)
        read = read_submit(
            reader=request.user,
            read_id=object_id(pk, "read"),
            comment=data["comment"],
            duration_ms=data.get("duration_ms"),
            **_answers(data),
        )
        return Response(self._render([access_read(request.user, read.pk)])[0])

    @extend_schema(request=s.ReadReviseSerializer, responses=s.ReadOutSerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk=None) -> Response:
        """Replace your submitted first read while the item is still in its first-read phase."""
        data = validated(s.ReadReviseSerializer, request.data)
        read_revise(
            reader=request.user, read_id=object_id(pk, "read"), comment=data.get("comment"), **_answers(data)
        )
        return Response(self._render([access_read(request.user, object_id(pk, "read"))])[0])

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk=None) -> Response:
        """Give a claimed item back to the worklist."""
        read_release(reader=request.user, read_id=object_id(pk, "read"))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=us.ReadUndoOutSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk=None) -> Response:
        """Undo your submitted first read within the grace period (ARBITER_UNDO_GRACE_SECONDS, 60 s by
        default) while the item still takes first reads: it is your claim again and the answers come back
        to edit. 409 `undo_expired` after the grace period, `phase_closed` when it completed the item."""
        read, answers = read_undo(reader=request.user, read_id=object_id(pk, "read"))
        return Response(us.ReadUndoOutSerializer({"read": read_summary(read), "answers": answers}).data)

    @extend_schema(request=us.ReadSkipSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def skip(self, request: Request, pk=None) -> Response:
        """Skip your claimed item with a reason (a note is required for `other`): it goes back to the
        worklist for other readers and is never offered to you again."""
        read_id = access_read(request.user, object_id(pk, "read")).pk  # 404 before any 400 on the body
        data = validated(us.ReadSkipSerializer, request.data)
        read_skip(reader=request.user, read_id=read_id, reason=data["reason"], note=data["note"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=s.ReadSummarySerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk=None) -> Response:
        """Extend the lease of your claimed read."""
        return Response(
            s.ReadSummarySerializer(
                read_summary(read_renew(reader=request.user, read_id=object_id(pk, "read")))
            ).data
        )


class AdjudicationCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Adjudication cases: visible to the item's readers, and to adjudicators and admins."""

    serializer_class = s.CaseOutSerializer

    def get_queryset(self):
        qs = access_cases(self.request.user)
        if (ds := int_param(self.request, "dataset")) is not None:
            qs = qs.filter(image__dataset_id=ds)
        if st := self.request.query_params.get("status"):
            qs = qs.filter(status=st)
        return qs.order_by("opened_at", "id")

    @extend_schema(
        parameters=[OpenApiParameter("dataset", int), OpenApiParameter("status", str)],
        responses=s.CaseListSerializer(many=True),
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.CaseListSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        """The case with every reader's values and comments, anonymised (Reader A/B/C); a reader sees
        the others' values of completed rounds only."""
        case = access_case(request.user, object_id(pk, "adjudication case"))
        return Response(s.CaseOutSerializer(case_context(request.user, case)).data)

    @extend_schema(request=s.CaseRespondSerializer, responses=s.CaseOutSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk=None) -> Response:
        """Your answer in the current round: keep or revise every open finding, with a comment."""
        case = access_case(request.user, object_id(pk, "adjudication case"))
        data = validated(s.CaseRespondSerializer, request.data)
        case_respond(
            reader=request.user,
            case=case,
            comment=data["comment"],
            duration_ms=data.get("duration_ms"),
            **_answers(data),
        )
        case.refresh_from_db()
        return Response(s.CaseOutSerializer(case_context(request.user, case)).data)

    @extend_schema(request=s.CaseDecideSerializer, responses=s.CaseOutSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk=None) -> Response:
        """The adjudicator's decision on every finding still open after the round limit."""
        case = access_case(request.user, object_id(pk, "adjudication case"))
        access_dataset(request.user, case.image.dataset_id, roles=(Role.ADJUDICATOR,))
        data = validated(s.CaseDecideSerializer, request.data)
        case_decide(adjudicator=request.user, case=case, reason=data["reason"], **_answers(data))
        case.refresh_from_db()
        return Response(s.CaseOutSerializer(case_context(request.user, case)).data)


class SkipReasonsView(generics.GenericAPIView):
    """The reasons a reader may give for skipping an item, and the undo grace period in seconds."""

    pagination_class = None  # a plain array, and so documented (not as a page of results)

    @extend_schema(responses=us.SkipReasonSerializer(many=True))
    def get(self, request: Request) -> Response:
        reasons = [{"key": k, "label": str(label)} for k, label in SkipReason.choices]
        response = Response(us.SkipReasonSerializer(reasons, many=True).data)
        response["X-Undo-Grace-Seconds"] = str(undo_grace_seconds())
        return response
