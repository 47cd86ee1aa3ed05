"""Reviewing QC flags in bulk (confirm / reject / correct) and holding flagged images from reading.

An image with an open flag is held: its work item goes to qc_hold (claimed, unsubmitted reads are
released) and the worklist never serves it. Resolving the last open flag releases the hold:
- reject (the image is fine), correct (rotate / mirror / invert as told) and fix (each flag's own
  suggested fix, from its detector's detail: rotate back, mirror back, invert back) send the item
  back to reading. A correction changes the derived image only (model inputs and renders, see
  annotations.selectors.qc_flags.image_display_correction); the stored pixels are never touched;
- confirm (the problem is real: wrong body part, lateral view, pediatric, ...) excludes the item
  from reading for good.
Items already past their first reads (adjudication, done) keep their state.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from annotations.errors import ConflictError, InvalidInputError, NotFoundError
from annotations.models import Dataset, QCFlag, Read, WorkItem
from annotations.models.choices import QCStatus, ReadStatus, WorkState
from annotations.services.audit import audit_record
from annotations.services.reading.first_reads import release_claim

ACTIONS = {
    "confirm": QCStatus.CONFIRMED,
    "reject": QCStatus.REJECTED,
    "correct": QCStatus.CORRECTED,
    "fix": QCStatus.CORRECTED,
}
ROTATIONS = (0, 90, 180, 270)
HOLDABLE = (WorkState.READING, WorkState.QC_HOLD)


@dataclass(frozen=True)
class QCResolveResult:
    resolved: int
    held: int
    released: int
    excluded: int


def _hold(item: WorkItem, actor) -> None:
    for read in Read.objects.filter(image_id=item.image_id, round=0, status=ReadStatus.CLAIMED):
        release_claim(read, item=item, actor=actor, reason="released_for_qc")
    item.state = WorkState.QC_HOLD
    item.save(update_fields=["state", "updated_at"])


def qc_hold_sync(*, image_ids: Iterable[int], actor=None) -> dict[str, int]:
    """Bring the work items of these images in line with their flags: held while a flag is open;
    when none is, excluded if a flag was confirmed, else back to reading. Call it after raising flags."""
    counts = {"held": 0, "released": 0, "excluded": 0}
    with transaction.atomic():
        items = (
            WorkItem.objects.select_for_update()
            .select_related("dataset")
            .filter(image_id__in=list(image_ids), state__in=HOLDABLE)
        )
        flags = QCFlag.objects.filter(image_id__in=[i.image_id for i in items])
        open_images = set(flags.filter(status=QCStatus.OPEN).values_list("image_id", flat=True))
        exclude = set(flags.filter(status=QCStatus.CONFIRMED).values_list("image_id", flat=True))
        for item in items:
            before = item.state
            if item.image_id in open_images:
                if item.state == WorkState.READING:
                    _hold(item, actor)
                    counts["held"] += 1
            elif item.image_id in exclude:
                _hold(item, actor)
                item.state = WorkState.EXCLUDED
                item.save(update_fields=["state", "updated_at"])
                counts["excluded"] += 1
            elif item.state == WorkState.QC_HOLD:
                item.state = WorkState.READING
                item.save(update_fields=["state", "updated_at"])
                counts["released"] += 1
            if item.state != before:
                audit_record(
                    actor=actor,
                    action="item.qc_state",
                    obj=item,
                    dataset=item.dataset,
                    before={"state": before},
                    after={"state": item.state},
                )
    return counts


def _suggested_fix(flag: QCFlag) -> dict | None:
    """The flag's detector-suggested fix as a correction, or None (a rule flag, or nothing to do)."""
    fix = (flag.detail or {}).get("fix")
    if not isinstance(fix, dict):
        return None
    rotate, flip, invert = int(fix.get("rotate", 0)) % 360, bool(fix.get("flip")), bool(fix.get("invert"))
    if rotate not in ROTATIONS or not (rotate or flip or invert):
        return None
    return {"rotate": rotate, "flip": flip, "invert": invert}


@transaction.atomic
def qc_resolve(
    *,
    actor,
    dataset: Dataset,
    flag_ids: list[int],
    action: str,
    rotate: int = 0,
    invert: bool = False,
    flip: bool = False,
    note: str = "",
) -> QCResolveResult:
    """Resolve open flags of `dataset` in bulk; all or nothing.

    `correct` applies one correction to all (turn `rotate` degrees clockwise, then mirror left-right
    if `flip`, invert if `invert`); `fix` applies each flag's own suggested fix (`detail["fix"]`)."""
    if action not in ACTIONS:
        raise InvalidInputError(f"action must be one of {', '.join(ACTIONS)}")
    if action == "correct":
        if rotate not in ROTATIONS:
            raise InvalidInputError(f"rotate must be one of {ROTATIONS}")
        if rotate == 0 and not invert and not flip:
            raise InvalidInputError("a correction rotates (90, 180, 270), mirrors or inverts the image")
    elif rotate or invert or flip:
        raise InvalidInputError("rotate, flip and invert go with action 'correct'")
    wanted = sorted(set(flag_ids))
    if not wanted:
        raise InvalidInputError("flag_ids is empty")
    flags = list(QCFlag.objects.select_for_update().filter(pk__in=wanted, image__dataset=dataset))
    if missing := sorted(set(wanted) - {f.pk for f in flags}):
        raise NotFoundError(
            f"{len(missing)} flag id(s) are not in this dataset", detail={"missing": missing[:50]}
        )
    if closed := [f.pk for f in flags if f.status != QCStatus.OPEN]:
        raise ConflictError(f"{len(closed)} flag(s) are already resolved", detail={"resolved": closed[:50]})
    if action == "fix" and (unfixable := [f.pk for f in flags if _suggested_fix(f) is None]):
        raise InvalidInputError(
            f"{len(unfixable)} flag(s) carry no suggested fix; confirm, reject or correct them",
            detail={"no_fix": unfixable[:50]},
        )
    now = timezone.now()
    for flag in flags:
        if action == "fix":
            correction = dict(_suggested_fix(flag) or {})
        elif action == "correct":
            correction = {"rotate": rotate, "flip": flip, "invert": invert}
        else:
            correction = {}
        if note:
            correction["note"] = note
        flag.status = ACTIONS[action]
        flag.correction = correction
        flag.resolved_by = actor
        flag.resolved_at = now
    QCFlag.objects.bulk_update(flags, ["status", "correction", "resolved_by", "resolved_at"])
    for flag in flags:
        audit_record(
            actor=actor,
            action=f"qc.{action}",
            obj=flag,
            dataset=dataset,
            before={"status": QCStatus.OPEN},
            after={"status": flag.status, "correction": flag.correction},
        )
    counts = qc_hold_sync(image_ids={f.image_id for f in flags}, actor=actor)
    return QCResolveResult(resolved=len(flags), **counts)
