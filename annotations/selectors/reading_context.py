"""What a user sees of an item, a read or an adjudication case, as plain data for the API.

Nothing here decides visibility: the gatekeepers of annotations.access.blinding do. Other readers'
values and comments appear only where access_item_reads allows, under their anonymous letter (a
reader id only where it says so); the report, NLP evidence and model labels where
access_reading_aids allows.
"""

from django.db.models import Count, Q

from annotations.access.blinding import ItemReads, access_item_reads, access_reading_aids
from annotations.models import AdjudicationCase, Label, Read, WorkItem
from annotations.models.choices import LabelSource, ReadStatus
from annotations.selectors.final_labels import current_final_labels
from annotations.selectors.read_values import schema_questions
from annotations.selectors.reads import ReadHistory, letter, read_history
from annotations.selectors.report_flags import latest_report_flags


def _latest_labels(image_id: int, source: str) -> list[Label]:
    latest: dict[int, Label] = {}
    for label in (
        Label.objects.filter(image_id=image_id, source=source)
        .select_related("finding")
        .order_by("created_at", "id")
    ):
        latest[label.finding_id] = label
    return sorted(latest.values(), key=lambda lb: (lb.finding.order, lb.finding_id))


def _final(image_id: int, schema) -> list[dict]:
    """The image's final labels in the schema it is read in."""
    labels = current_final_labels(image_ids=[image_id], schema=schema).select_related("finding", "provenance")
    return [
        {
            "id": lb.pk,
            "finding": lb.finding.key,
            "value": lb.value,
            "version": lb.source_version,
            "how_reached": lb.provenance.how_reached,
            "rounds": lb.provenance.rounds,
        }
        for lb in sorted(labels, key=lambda lb: lb.finding.order)
    ]


def _rounds(history: ReadHistory, reader_id: int, max_round: int | None) -> list[dict]:
    out = []
    for r, rr in sorted(history.rounds.get(reader_id, {}).items()):
        if max_round is not None and r > max_round:
            continue
        out.append(
            {
                "round": r,
                "labels": [
                    {"finding": k, "value": v, "comment": rr.comments.get(k, "")}
                    for k, v in rr.values.items()
                ],
                "comment": rr.comment,
                "submitted_at": rr.submitted_at,
            }
        )
    return out


def readers_view(user, history: ReadHistory, vis: ItemReads) -> list[dict]:
    """Every reader of the item under their letter; others' rounds only where `vis` allows."""
    out = []
    for reader_id in history.order:
        me = reader_id == user.pk
        if not me and not vis.others:
            continue
        out.append(
            {
                "reader": history.letter_of(reader_id),
                "reader_id": reader_id if (vis.reader_ids or me) else None,
                "is_me": me,
                "rounds": _rounds(history, reader_id, None if me else vis.max_round),
            }
        )
    return out


def item_context(
    user, item: WorkItem, *, read: Read | None = None, case: AdjudicationCase | None = None
) -> dict:
    dataset = item.dataset
    image = item.image
    study = image.study
    vis = access_item_reads(user, item, case)
    aids = access_reading_aids(item)
    report = getattr(study, "report", None) if aids.report else None
    q = schema_questions(dataset.schema)
    mine = list(
        Read.objects.filter(image=image, reader=user).prefetch_related("labels__finding").order_by("round")
    )
    case = case or AdjudicationCase.objects.filter(image=image).first()
    history = read_history(image.pk, order=case.reader_order if case else None)
    counts = Read.objects.filter(image=image, round=0).aggregate(
        submitted=Count("id", filter=Q(status=ReadStatus.SUBMITTED))
    )
    return {
        "work_item": {
            "id": item.pk,
            "dataset": dataset.pk,
            "state": item.state,
            "priority": item.priority,
            "readers_needed": item.readers_needed,
            "first_reads_submitted": counts["submitted"],
        },
        "image": image,
        "study": {
            "id": study.pk,
            "study_instance_uid": study.study_instance_uid,
            "study_date": study.study_date,
            "modality": study.modality,
            "description": study.description,
            "patient_age_years": study.patient_age_years,
            "image_ids": list(study.images.order_by("id").values_list("id", flat=True)),
        },
        "schema_kind": q.kind,
        "findings": [{"key": f.key, "name": f.name, "is_derived": f.is_derived} for f in q.findings.values()],
        "report": {"text": report.text, "sections": report.sections} if report else None,
        "nlp_labels": [
            {
                "finding": lb.finding.key,
                "value": lb.value,
                "evidence": lb.evidence,
                "source_version": lb.source_version,
            }
            for lb in _latest_labels(image.pk, LabelSource.NLP)
        ]
        if report and aids.nlp_evidence
        else [],
        # Flags read from the report (Implant), not findings; shown under the same policy as NLP labels.
        "report_flags": [
            {"flag": f.flag, "value": f.value, "evidence": f.evidence, "source_version": f.source_version}
            for f in latest_report_flags(report.pk)
        ]
        if report and aids.nlp_evidence
        else [],
        "model_labels": [
            {
                "finding": lb.finding.key,
                "value": lb.value,
                "probability": lb.probability,
                "source_version": lb.source_version,
            }
            for lb in _latest_labels(image.pk, LabelSource.MODEL)
        ]
        if aids.model_outputs
        else [],
        "my_reads": [
            read_summary(r)
            | {
                "comment": r.comment,
                "labels": [
                    {"finding": rl.finding.key, "value": rl.value, "comment": rl.comment}
                    for rl in r.labels.all()
                ],
            }
            for r in mine
        ],
        "current_read": read_summary(read) if read else None,
        "case_id": case.pk if case and (vis.others or vis.as_reader) else None,
        "readers": readers_view(user, history, vis) if vis.others else [],
        "final_labels": _final(image.pk, dataset.schema) if vis.others else [],
    }


def read_summary(read: Read) -> dict:
    return {
        "id": read.pk,
        "round": read.round,
        "status": read.status,
        "claimed_at": read.claimed_at,
        "lease_expires_at": read.lease_expires_at,
        "submitted_at": read.submitted_at,
    }


def case_context(user, case: AdjudicationCase) -> dict:
    item = WorkItem.objects.select_related("dataset__schema").get(image_id=case.image_id)
    vis = access_item_reads(user, item, case)
    history = read_history(case.image_id, order=case.reader_order)
    dataset = item.dataset
    final = _final(case.image_id, dataset.schema)
    final_keys = {f["finding"] for f in final}
    disputed = list(case.disputed_findings.order_by("order").values_list("key", flat=True))
    me = user.pk in case.reader_order
    answered = (
        me
        and case.status == AdjudicationCase.Status.OPEN
        and Read.objects.filter(image_id=case.image_id, reader=user, round=case.current_round).exists()
    )
    return {
        "id": case.pk,
        "work_item": item.pk,
        "image": case.image_id,
        "dataset": dataset.pk,
        "status": case.status,
        "current_round": case.current_round,
        "max_rounds": dataset.max_adjudication_rounds,
        "tie_rule": dataset.tie_rule,
        "schema_kind": dataset.schema.kind,
        "my_letter": letter(case.reader_order.index(user.pk)) if me else None,
        "awaiting_my_answer": me and case.status == AdjudicationCase.Status.OPEN and not answered,
        "disputed_findings": disputed,
        "open_findings": [k for k in disputed if k not in final_keys],
        "readers": readers_view(user, history, vis),
        "final_labels": final,
        "opened_at": case.opened_at,
        "resolved_at": case.resolved_at,
    }


def read_view(user, read: Read, order: list[int], *, show_ids: bool) -> dict:
    """One read as the list / detail endpoints show it (the caller checked that it is visible)."""
    me = read.reader_id == user.pk
    index = order.index(read.reader_id) if read.reader_id in order else None
    return {
        "id": read.pk,
        "image": read.image_id,
        "dataset": read.image.dataset_id,
        "round": read.round,
        "status": read.status,
        "is_mine": me,
        "reader": letter(index) if index is not None else None,
        "reader_id": read.reader_id if (me or show_ids) else None,
        "claimed_at": read.claimed_at,
        "lease_expires_at": read.lease_expires_at if me else None,
        "submitted_at": read.submitted_at,
        "duration_ms": read.duration_ms if (me or show_ids) else None,
        "comment": read.comment,
        "labels": [
            {"finding": rl.finding.key, "value": rl.value, "comment": rl.comment}
            for rl in sorted(read.labels.all(), key=lambda rl: rl.finding.order)
        ],
    }
