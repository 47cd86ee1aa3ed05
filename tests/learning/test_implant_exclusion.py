"""`exclude_implants` in a training run's config: images whose report the NLP pipeline flagged as
mentioning an implant (newest version, positive) are left out of every split, and counted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.models import Report, ReportFlag
from annotations.services.labels import LabelInput, expert_labels_import, labels_put
from learning.services.training.config import RunConfigError, run_config_parse
from learning.services.training.data import training_data_assemble
from ml.weak_labels import WeakLabelPolicy
from tests.annotations.reading.conftest import make_images
from tests.learning.test_training_runs import run_now

F = ("Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass")


def flag(image, value: str, version: str = "nlp-1") -> ReportFlag:
    report, _ = Report.objects.get_or_create(
        study=image.study, defaults={"text": "Left hip prosthesis.", "text_sha256": "x" * 64}
    )
    return ReportFlag.objects.create(
        report=report,
        flag="Implant",
        value=value,
        source_version=version,
        evidence=[{"start": 5, "end": 19, "text": "hip prosthesis", "rule": "mention"}],
    )


def weak(image):
    labels_put(
        image=image,
        schema=image.dataset.schema,
        source="nlp",
        source_version="nlp-1",
        labels={k: LabelInput("positive") for k in F},
    )


def assemble(team, as_of=None, **kw):
    return training_data_assemble(
        dataset=team.dataset,
        policy=WeakLabelPolicy(),
        split={"train": 0.7, "validation": 0.1, "test": 0.2},
        as_of=as_of or timezone.now() + timedelta(seconds=1),
        **kw,
    )


def test_the_config_option_is_parsed_and_stored():
    assert run_config_parse({}).to_dict()["exclude_implants"] is False
    assert run_config_parse({"exclude_implants": True}).exclude_implants is True
    with pytest.raises(RunConfigError, match="exclude_implants must be true or false"):
        run_config_parse({"exclude_implants": "yes"})


def test_positive_implant_images_leave_every_split(team):
    ds = team.dataset
    implant_train, negated_train, plain_train = make_images(ds, 3, split="train")
    (implant_test, plain_test) = make_images(ds, 2, split="test")
    for image in (implant_train, negated_train, plain_train):
        weak(image)
    for image in (implant_test, plain_test):
        expert_labels_import(image=image, schema=ds.schema, values=dict.fromkeys(F, "negative"), reason="t")
    flag(implant_train, "positive")
    flag(negated_train, "negative")  # "no hardware"
    flag(implant_test, "positive")

    kept = assemble(team)
    assert set(kept.train.image_ids) == {implant_train.pk, negated_train.pk, plain_train.pk}
    assert set(kept.test.image_ids) == {implant_test.pk, plain_test.pk}
    assert kept.snapshot["exclude_implants"] is False and kept.snapshot["implant_excluded_images"] == 0

    out = assemble(team, exclude_implants=True)
    assert set(out.train.image_ids) == {negated_train.pk, plain_train.pk}
    assert set(out.test.image_ids) == {plain_test.pk}
    assert out.snapshot["implant_excluded_images"] == 2 and out.snapshot["images"] == 3

    # A newer pipeline version that reads the report as negative brings the image back; a flag
    # stored after the run's snapshot time does not count.
    before = timezone.now()
    flag(implant_train, "negative", version="nlp-2")
    assert set(assemble(team, exclude_implants=True).train.image_ids) == {
        implant_train.pk,
        negated_train.pk,
        plain_train.pk,
    }
    assert implant_train.pk not in assemble(team, as_of=before, exclude_implants=True).train.image_ids


def test_a_training_run_with_exclude_implants_trains_without_them(team, cohort):
    flagged = cohort.images[:6]
    for image in flagged:
        flag(image, "positive")
    run = run_now(team, seed=0, epochs=1, exclude_implants=True)
    assert run.config["exclude_implants"] is True
    snap = run.data_snapshot
    assert snap["exclude_implants"] is True and snap["implant_excluded_images"] == len(flagged)
    assert snap["images"] == len(cohort.images) - len(flagged)
    assert not {i.pk for i in flagged} & set(snap["test_image_ids"])
