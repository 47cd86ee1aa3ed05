"""The QC worklist: open flags to review, and the display correction a resolved flag asks for."""

from django.db.models import QuerySet

from annotations.models import Dataset, QCFlag
from annotations.models.choices import QCStatus


def qc_flags_list(
    dataset: Dataset,
    *,
    statuses: list[str] | None = None,
    kinds: list[str] | None = None,
    min_probability: float | None = None,
    max_probability: float | None = None,
) -> QuerySet[QCFlag]:
    """Flags of the dataset, most probable first (open ones by default)."""
    qs = QCFlag.objects.filter(image__dataset=dataset, status__in=statuses or [QCStatus.OPEN])
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if min_probability is not None:
        qs = qs.filter(probability__gte=min_probability)
    if max_probability is not None:
        qs = qs.filter(probability__lte=max_probability)
    return qs.select_related("image").order_by("-probability", "id")


def compose_corrections(corrections: list[dict]) -> dict:
    """One correction doing what `corrections` do in order. Each turns `rotate` degrees clockwise,
    then mirrors left-right if `flip`, inverts if `invert`; a turn after a mirror runs the other way."""
    rotate, flip, invert = 0, False, False
    for c in corrections:
        r = int(c.get("rotate", 0)) % 360
        rotate = (rotate + (-r if flip else r)) % 360
        flip ^= bool(c.get("flip", False))
        invert ^= bool(c.get("invert", False))
    return {"rotate": rotate, "flip": flip, "invert": invert}


def image_display_correction(image_id: int) -> dict:
    """The rotation (degrees clockwise), left-right mirror and inversion that corrected QC flags ask
    the derived image to show: {"rotate": 0|90|180|270, "flip": bool, "invert": bool}."""
    return compose_corrections(
        list(
            QCFlag.objects.filter(image_id=image_id, status=QCStatus.CORRECTED)
            .order_by("resolved_at", "id")
            .values_list("correction", flat=True)
        )
    )
