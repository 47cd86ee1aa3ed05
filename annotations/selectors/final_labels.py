"""Final labels: the current (not superseded) adjudicated version per image and finding.

`published_final_labels` is what leaves the protocol (the final-labels endpoint, agreement
statistics and snapshots): labels of items that are done, or of images that were never queued
(imported expert labels). Items still in reading or adjudication never show there, so no endpoint
built on it can reveal a label before every reader has submitted.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from annotations.errors import InvalidInputError, NotFoundError
from annotations.models import Dataset, Label, LabelProvenance, LabelSchema, WorkItem
from annotations.models.choices import LabelSource, WorkState


def current_final_labels(
    *,
    dataset: Dataset | None = None,
    image_ids: Iterable[int] | None = None,
    as_of: datetime | None = None,
    schema: LabelSchema | None = None,
) -> QuerySet[Label]:
    """Adjudicated labels not superseded (as of `as_of`, when given); of one schema's findings when
    `schema` is given (an image can hold final labels of several schemas: a ChestX-ray14 film with
    Google's imported expert labels is still read in the ChestX-ray14 schema)."""
    qs = Label.objects.filter(source=LabelSource.ADJUDICATED)
    if schema is not None:
        qs = qs.filter(finding__schema=schema)
    if dataset is not None:
        qs = qs.filter(image__dataset=dataset)
    if image_ids is not None:
        qs = qs.filter(image_id__in=list(image_ids))
    newer = LabelProvenance.objects.filter(supersedes=OuterRef("pk"))
    if as_of is not None:
        qs = qs.filter(created_at__lte=as_of)
        newer = newer.filter(decided_at__lte=as_of)
    return qs.filter(~Exists(newer))


def published_final_labels(
    dataset: Dataset,
    *,
    findings: Iterable[str] | None = None,
    how_reached: Iterable[str] | None = None,
    decided_from: date | None = None,
    decided_to: date | None = None,
    splits: Iterable[str] | None = None,
    as_of: datetime | None = None,
) -> QuerySet[Label]:
    in_progress = WorkItem.objects.filter(image_id=OuterRef("image_id")).exclude(state=WorkState.DONE)
    qs = current_final_labels(dataset=dataset, as_of=as_of).filter(~Exists(in_progress))
    if findings:
        qs = qs.filter(finding__key__in=list(findings))
    if how_reached:
        qs = qs.filter(provenance__how_reached__in=list(how_reached))
    if decided_from:
        qs = qs.filter(provenance__decided_at__date__gte=decided_from)
    if decided_to:
        qs = qs.filter(provenance__decided_at__date__lte=decided_to)
    if splits:
        qs = qs.filter(image__study__patient__split__in=list(splits))
    return qs


def label_versions(label: Label) -> list[Label]:
    """Every version of the label's image and finding, oldest first."""
    versions = Label.objects.filter(
        image_id=label.image_id, finding_id=label.finding_id, source=LabelSource.ADJUDICATED
    ).select_related("provenance")
    return sorted(versions, key=lambda lb: int(lb.source_version))


def final_label_get(dataset_ids: QuerySet, label_id) -> Label:
    label = (
        Label.objects.filter(pk=label_id, source=LabelSource.ADJUDICATED, image__dataset__in=dataset_ids)
        .filter(Q(image__work_item__isnull=True) | Q(image__work_item__state=WorkState.DONE))
        .select_related("finding", "provenance", "image__dataset__schema")
        .first()
    )
    if label is None:
        raise NotFoundError("No such final label.")
    return label


def validate_choices(name: str, given: Iterable[str] | None, allowed: Iterable[str]) -> list[str]:
    given = list(given or [])
    allowed = list(allowed)
    unknown = [g for g in given if g not in allowed]
    if unknown:
        raise InvalidInputError(
            f"unknown {name}: {', '.join(map(str, unknown))}", detail={name: unknown, "allowed": allowed}
        )
    return given
