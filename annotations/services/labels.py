"""Writing NLP, model, imported-reader and imported-expert labels, idempotently per source version."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from annotations.models import Finding, Image, Label, LabelProvenance, LabelSchema
from annotations.models.choices import HowReached, LabelSource, LabelValue


@dataclass(frozen=True)
class LabelInput:
    value: str
    probability: float | None = None
    evidence: list = field(default_factory=list)


def findings_by_key(schema: LabelSchema) -> dict[str, Finding]:
    return {f.key: f for f in schema.findings.all()}


def labels_put(
    *,
    image: Image,
    schema: LabelSchema,
    source: str,
    source_version: str,
    labels: Mapping[str, LabelInput],
    findings: dict[str, Finding] | None = None,
) -> int:
    """Store `labels` (finding key -> value) for one image and source version; returns how many are new.

    An existing (image, finding, source, source_version) label is left as it is: a source version is
    immutable, a changed pipeline writes a new version.
    """
    if source == LabelSource.ADJUDICATED:
        raise ValueError("adjudicated labels are written by the adjudication services, with provenance")
    findings = findings if findings is not None else findings_by_key(schema)
    unknown = [k for k in labels if k not in findings]
    if unknown:
        raise KeyError(f"findings {unknown} are not in schema {schema.key!r}")
    existing = set(
        Label.objects.filter(image=image, source=source, source_version=source_version).values_list(
            "finding__key", flat=True
        )
    )
    new = [
        Label(
            image=image,
            finding=findings[key],
            source=source,
            source_version=source_version,
            value=item.value,
            probability=item.probability,
            evidence=item.evidence,
        )
        for key, item in labels.items()
        if key not in existing
    ]
    Label.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def expert_labels_import(
    *,
    image: Image,
    schema: LabelSchema,
    values: Mapping[str, str],
    reason: str,
    readers: list | None = None,
) -> int:
    """Imported expert labels (e.g. Google's adjudicated NIH labels) as adjudicated labels, version 1.

    Idempotent: a finding that already has an adjudicated label is left alone (a different value would
    be a correction, which is a new version made through the adjudication services, with a reason).
    """
    findings = findings_by_key(schema)
    have = set(
        Label.objects.filter(
            image=image, source=LabelSource.ADJUDICATED, finding__in=findings.values()
        ).values_list("finding__key", flat=True)
    )
    created = 0
    now = timezone.now()
    for key, value in values.items():
        if value not in LabelValue.values:
            raise ValueError(f"label value {value!r} is not one of {LabelValue.values}")
        if key in have:
            continue
        label = Label.objects.create(
            image=image,
            finding=findings[key],
            source=LabelSource.ADJUDICATED,
            source_version="1",
            value=value,
        )
        LabelProvenance.objects.create(
            label=label, how_reached=HowReached.IMPORTED, readers=readers or [], reason=reason, decided_at=now
        )
        created += 1
    return created
