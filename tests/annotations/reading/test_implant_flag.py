"""The Implant report flag (issue #3): the NLP task stores it per report and pipeline version with
evidence spans into the report text, idempotently; it is never a label; a newer pipeline version
wins; the selector finds the images whose report mentions an implant; the reading context shows it
under the dataset's NLP-evidence policy."""

import pytest

from annotations.models import Job, Label, QCFlag, Report, ReportFlag
from annotations.selectors.report_flags import images_with_implant, latest_report_flags
from learning.services.nlp_labels import nlp_labels_store
from learning.tasks.nlp import label_dataset_reports, labeler_for
from ml.nlp.labels import ReportLabels
from tests.annotations.reading.conftest import claim, enqueue, make_images

TEXTS = {
    "wires": "FINDINGS: Median sternotomy wires are intact. Small right apical pneumothorax.",
    "negated": "FINDINGS: No hardware. Small right apical pneumothorax.",
    "clear": "IMPRESSION: Lungs are clear.",
    "possible": "FINDINGS: Possible surgical clips in the left upper quadrant.",
    "history": "HISTORY: hip prosthesis.\nFINDINGS: Normal chest.",
}


def with_reports(dataset, texts=TEXTS):
    images = make_images(dataset, len(texts))
    for image, text in zip(images, texts.values(), strict=True):
        Report.objects.create(study=image.study, text=text, text_sha256="x" * 64)
    return dict(zip(texts, images, strict=True))


def run_nlp(dataset) -> Job:
    job = Job.objects.create(kind="nlp", dataset=dataset)
    label_dataset_reports.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    return job


def flag_of(image) -> ReportFlag:
    [flag] = ReportFlag.objects.filter(report__study=image.study)
    return flag


def test_the_nlp_task_stores_the_implant_flag_with_evidence_once(make_team):
    team = make_team("google4")
    images = with_reports(team.dataset)
    job = run_nlp(team.dataset)
    version = job.summary["pipeline_version"]
    assert job.summary["flags_positive"] == {"Implant": 1}
    values = {key: flag_of(image).value for key, image in images.items()}
    # negation and uncertainty as for findings; a non-report section (HISTORY) says nothing
    assert values == {
        "wires": "positive",
        "negated": "negative",
        "clear": "blank",
        "possible": "uncertain",
        "history": "blank",
    }
    for image in images.values():
        flag = flag_of(image)
        assert flag.flag == "Implant" and flag.source_version == version
        text = image.study.report.text
        for ev in flag.evidence:
            assert text[ev["start"] : ev["end"]] == ev["text"]
    wires = flag_of(images["wires"]).evidence
    assert [e["text"] for e in wires] == ["Median sternotomy"] and wires[0]["rule"] == "mention"
    negated = flag_of(images["negated"]).evidence
    assert negated[0]["text"] == "hardware" and "NEGATED_EXISTENCE 'No'" in negated[0]["rule"]
    # The flag is not a finding: no label of it, and the labels of the same run are there.
    assert not Label.objects.filter(finding__key="Implant").exists()
    assert Label.objects.filter(image=images["wires"], source="nlp", source_version=version).count() == 4
    # Not a QC flag either: nothing goes to the QC worklist.
    assert not QCFlag.objects.exists()

    # A rerun of the same version stores nothing twice.
    before = ReportFlag.objects.count(), Label.objects.count()
    again = run_nlp(team.dataset)
    assert again.summary["reports"] == 0
    assert (ReportFlag.objects.count(), Label.objects.count()) == before == (5, 5 * 4)


def test_a_report_labelled_without_its_flag_is_pending_again(make_team):
    """Labels stored but the flag missing (an older build) -> the report is redone, its labels kept."""
    team = make_team("google4")
    images = with_reports(team.dataset, {"wires": TEXTS["wires"]})
    run_nlp(team.dataset)
    ReportFlag.objects.all().delete()
    job = run_nlp(team.dataset)
    assert job.summary["reports"] == 1 and job.summary["labels_created"] == 0
    assert flag_of(images["wires"]).value == "positive"


def relabelled(labels: ReportLabels, version: str, implant: str | None) -> ReportLabels:
    args = list(labels.__reduce__()[1])
    values = list(args[3])
    values[labels.findings.index("Implant")] = implant
    args[1], args[3] = version, tuple(values)
    return ReportLabels(*args)


def test_a_newer_pipeline_version_adds_a_row_and_the_newest_is_read(make_team):
    team = make_team("google4")
    images = with_reports(team.dataset, {"wires": TEXTS["wires"], "negated": TEXTS["negated"]})
    run_nlp(team.dataset)
    assert set(images_with_implant(dataset=team.dataset)) == {images["wires"]}
    report = images["wires"].study.report
    v1 = labeler_for("google4").label(report.text)
    newer = relabelled(v1, "arbiter-nlp-test-v2", "negative")
    nlp_labels_store(team.dataset, report, newer)
    nlp_labels_store(team.dataset, report, newer)  # idempotent per version
    assert ReportFlag.objects.filter(report=report).count() == 2
    [latest] = latest_report_flags(report.pk)
    assert (latest.value, latest.source_version) == ("negative", "arbiter-nlp-test-v2")
    assert list(images_with_implant(dataset=team.dataset)) == []


def test_images_with_implant_takes_every_image_of_the_study_and_uncertain_on_request(make_team):
    team = make_team("google4")
    other = make_team("google4")
    images = with_reports(team.dataset)
    with_reports(other.dataset, {"wires": TEXTS["wires"]})
    second = make_images(team.dataset, 1)[0]
    second.study = images["wires"].study  # a second image (lateral) of the same study
    second.save()
    run_nlp(team.dataset)
    run_nlp(other.dataset)
    assert set(images_with_implant(dataset=team.dataset)) == {images["wires"], second}
    assert set(images_with_implant(dataset=team.dataset, include_uncertain=True)) == {
        images["wires"],
        second,
        images["possible"],
    }


@pytest.mark.parametrize("show_nlp_evidence", [True, False])
def test_the_reading_context_shows_the_flag_under_the_nlp_evidence_policy(make_team, show_nlp_evidence):
    team = make_team(
        "google4", readers_per_item=1, show_report_on_first_read=True, show_nlp_evidence=show_nlp_evidence
    )
    images = with_reports(team.dataset, {"wires": TEXTS["wires"]})
    run_nlp(team.dataset)
    enqueue(team, [images["wires"]])
    item = claim(team, team.readers[0])["item"]
    assert item["report"]["text"] == TEXTS["wires"]
    admin_view = team.c(team.admin).get(f"/api/v1/work-items/{item['work_item']['id']}/")
    if not show_nlp_evidence:
        assert item["report_flags"] == [] and item["nlp_labels"] == []
        assert admin_view.status_code == 200 and admin_view.json()["report_flags"] == []
        return
    [flag] = item["report_flags"]
    assert flag["flag"] == "Implant" and flag["value"] == "positive"
    assert flag["source_version"].startswith("arbiter-nlp-")
    [ev] = flag["evidence"]
    assert TEXTS["wires"][ev["start"] : ev["end"]] == ev["text"] == "Median sternotomy"
    assert "Implant" not in {lb["finding"] for lb in item["nlp_labels"]}
    assert admin_view.status_code == 200, admin_view.content
    assert admin_view.json()["report_flags"] == item["report_flags"]
