"""The reading screen holds at 1280x800 and 1920x1080 with 4, 14 and 16 findings (issue #17.1): the
report shows 8 lines or more and no control overlaps another, on the labels side and in the viewer
(toolbar with the measurement tools, text overlays, study strip); screenshots at both sizes. And
another image shown instead of the item is unmistakable and blocks the submit (issue #17.2)."""

import hashlib

import pytest

from annotations.models import Read, Report
from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from annotations.services.labels import LabelInput, labels_put
from annotations.services.reading.worklist import worklist_enqueue
from tests.e2e.conftest import BOTH_BROWSERS
from tests.e2e.data import import_images

pytestmark = pytest.mark.e2e

# A long report (well over 8 lines in the panel), as real ones are.
REPORT = "\n".join(
    [
        "EXAMINATION: Chest PA and lateral.",
        "INDICATION: Shortness of breath, cough for two weeks.",
        "COMPARISON: Chest radiograph from 3 months prior.",
        "FINDINGS:",
        "The heart is mildly enlarged. Cardiomegaly is unchanged.",
        "There is no pneumothorax. No pleural effusion on the right.",
        "Patchy consolidation in the left lower lobe, new since the prior.",
        "Hyperinflated lungs with flattened hemidiaphragms, consistent with emphysema.",
        "A 9 mm nodule projects over the right mid zone.",
        "Mild atelectasis at the left base.",
        "Degenerative changes of the thoracic spine.",
        "IMPRESSION:",
        "1. Left lower lobe consolidation, likely pneumonia.",
        "2. Emphysema. Stable cardiomegaly.",
        "3. Right mid zone nodule; CT recommended.",
    ]
)
SCHEMAS = [("google4", 4), ("chestxray14", 14), ("google_all", 16)]


def _dataset(schema: str, tmp_path, per_study: int):
    dataset, _ = dataset_get_or_create(
        slug=f"layout-{schema}",
        name=f"Layout {schema}",
        modality="CXR",
        schema_key=schema,
        readers_per_item=1,
    )
    images = import_images(dataset, tmp_path / schema, n=per_study, per_study=per_study, size=128)
    for image in images:
        sha = hashlib.sha256(REPORT.encode()).hexdigest()
        Report.objects.get_or_create(study=image.study, defaults={"text": REPORT, "text_sha256": sha})
        findings = [f for f in dataset.schema.findings.all() if not f.is_derived]
        # An NLP chip on every row (the chips overlapped the names before).
        values = ("positive", "negative", "uncertain")
        labels = {f.key: LabelInput(values[i % 3]) for i, f in enumerate(findings)}
        labels_put(image=image, schema=dataset.schema, source="nlp", source_version="e2e-1", labels=labels)
    worklist_enqueue(dataset=dataset)
    return dataset


@BOTH_BROWSERS
def test_reading_layout_holds_and_other_images_block_submit(browser, make_user, tmp_path):
    datasets = []
    reader = make_user("reader1")
    for schema, n in SCHEMAS:
        per_study = 2 if schema == "chestxray14" else 1  # a second image of the study to look at
        dataset = _dataset(schema, tmp_path, per_study)
        membership_grant(dataset=dataset, user=reader, role=Role.RADIOLOGIST)
        datasets.append({"id": dataset.id, "schema": schema, "n": n, "studyImages": per_study})

    r = browser.run("reading_layout", timeout=240, reader="reader1", datasets=datasets)

    for res in r["results"]:
        where = (res["viewport"], res["schema"])
        expected = dict(SCHEMAS)[res["schema"]]
        assert res["n"] == expected, where
        for m in (res["m"], res["after"]):
            # No control overlaps another anywhere on the screen (labels side, viewer toolbar, the
            # viewer's text overlays, study strip), and none is cut off by the window.
            assert m["overlaps"] == [], (where, m["overlaps"])
            assert m["offscreen"] == [], (where, m["offscreen"])
            assert m["viewerControls"] >= 12, (where, m)  # the viewer's toolbar and overlays were seen
            # At least 8 report lines shown (the report has 15); it collapsed to 18 px before.
            assert m["reportContentLines"] >= 14 and m["reportLines"] >= 8, (where, m)
            assert m["submitVisible"], where
            assert m["findingsVisible"] >= min(expected, 4), (where, m)
        assert res["progress0"] == f"0 of {expected} answered · {expected} left", where
        assert f"({expected} left;" in res["problem"]
        assert res["progress1"] == f"{expected} of {expected} answered"
        assert res["problemsAfter"] == 0, where  # the message leaves once every finding is answered
    away = next(res["away"] for res in r["results"] if res["away"])
    assert away["shownOther"] != away["item"] and away["stillItem"] == away["item"]
    assert "Not the item you are labelling" in away["banner"] and "Back to the item (b)" in away["banner"]
    assert away["submitDisabled"] is True and "Back to the item" in away["awayProblem"]
    assert away["back"] == away["item"]
    assert not Read.objects.filter(status="submitted").exists()  # Enter on the other image sent nothing
