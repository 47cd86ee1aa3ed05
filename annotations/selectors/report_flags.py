"""Reading the report flags the NLP pipeline stored (ReportFlag): the newest pipeline version's value
per (report, flag), and the images whose report mentions an implant."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from annotations.models import Dataset, Image, ReportFlag
from annotations.models.choices import LabelValue
from annotations.models.report_flags import ReportFlagKey


def latest_report_flags(report_id: int) -> list[ReportFlag]:
    """The newest stored row of each flag of one report (a newer pipeline version replaces an older)."""
    latest: dict[str, ReportFlag] = {}
    for row in ReportFlag.objects.filter(report_id=report_id).order_by("created_at", "id"):
        latest[row.flag] = row
    return [latest[k] for k in sorted(latest)]


def _latest_value(flag: str, as_of: datetime | None) -> Subquery:
    rows = ReportFlag.objects.filter(report_id=OuterRef("study__report__id"), flag=flag)
    if as_of is not None:
        rows = rows.filter(created_at__lte=as_of)
    return Subquery(rows.order_by("-created_at", "-id").values("value")[:1])


def images_with_flag(
    *,
    dataset: Dataset,
    flag: str,
    values: Iterable[str] = (LabelValue.POSITIVE,),
    as_of: datetime | None = None,
) -> QuerySet[Image]:
    """The dataset's images whose report's newest `flag` row (stored by `as_of`, if given) has one
    of `values`. Images of studies without a report, or a report never flagged, are not included."""
    return (
        Image.objects.filter(dataset=dataset)
        .annotate(flag_value=_latest_value(flag, as_of))
        .filter(flag_value__in=list(values))
    )


def images_with_implant(
    *, dataset: Dataset, include_uncertain: bool = False, as_of: datetime | None = None
) -> QuerySet[Image]:
    """Images whose report mentions an implant (positive; `include_uncertain` adds "possible
    hardware"-style mentions). A negated mention ("no hardware") does not count."""
    values = [LabelValue.POSITIVE, LabelValue.UNCERTAIN] if include_uncertain else [LabelValue.POSITIVE]
    return images_with_flag(dataset=dataset, flag=ReportFlagKey.IMPLANT, values=values, as_of=as_of)
