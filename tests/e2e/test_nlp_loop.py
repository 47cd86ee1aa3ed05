"""The NLP loop panel of the admin console in a real browser (issue #16): real labeler output on
stored reports, imported final labels that contradict two of its labels, grouped by rule."""

import hashlib

import pytest

from annotations.models import Report
from annotations.models.choices import Role
from annotations.services.labels import expert_labels_import
from learning.services.nlp_labels import nlp_labels_store
from ml.nlp import ReportLabeler
from tests.annotations.reading.conftest import make_images
from tests.e2e.data import HOSTILE, cxr_dataset, user_with_role

pytestmark = pytest.mark.e2e

REPORTS = (
    "FINDINGS: Borderline cardiomegaly. Clear lungs.",
    "FINDINGS: Borderline cardiomegaly. No effusion. " + HOSTILE,
    "IMPRESSION: Hyperexpanded lungs, findings suggestive of emphysema.",
)
FINAL = (
    {"Cardiomegaly": "negative", "Emphysema": "negative"},
    {"Cardiomegaly": "negative", "Emphysema": "negative"},
    {"Cardiomegaly": "negative", "Emphysema": "positive"},
)


def test_admin_sees_which_rules_the_readers_contradict(browser, make_user):
    dataset = cxr_dataset()
    user_with_role(make_user, dataset, "admin1", Role.ADMIN)
    labeler = ReportLabeler("chestxray14", flags=("Implant",))
    for image, text, final in zip(make_images(dataset, len(REPORTS)), REPORTS, FINAL, strict=True):
        report = Report.objects.create(
            study=image.study, text=text, text_sha256=hashlib.sha256(text.encode()).hexdigest()
        )
        nlp_labels_store(dataset, report, labeler.label(text))
        expert_labels_import(image=image, schema=dataset.schema, values=final, reason="e2e reference")

    r = browser.run("nlploop", admin="admin1", dataset=dataset.id)

    assert r["summary"].startswith("3 of 6 final labels (50%) contradict the NLP label, from 2 rules")
    first, second = r["rows"]
    assert first.startswith("2\tCardiomegaly\tNLP said present") and "borderline cardiomegaly" in first
    assert r["marks"] == ["Borderline cardiomegaly", "Borderline cardiomegaly"]
    assert second.startswith("1\tEmphysema\tNLP missed it") and "suggestive of" in second
    assert len(r["filtered"]) == 1 and r["filtered"][0].startswith("1\tEmphysema")
    assert r["pwned"] is None
