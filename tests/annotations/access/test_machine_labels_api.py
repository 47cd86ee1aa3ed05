"""`GET /images/{id}/labels/` shows the NLP and model labels the reading screen would show the caller
with the image now (annotations.access.blinding.access_machine_labels): a reader in a blinded first
read cannot fetch there what the dataset's policy hides on the reading screen."""

import pytest

from annotations.models import Dataset
from annotations.services.labels import LabelInput, labels_put
from tests.annotations.reading.conftest import claim, enqueue, make_images


@pytest.fixture
def scene(make_team):
    team = make_team("google4")
    [image] = make_images(team.dataset, 1)
    schema = team.dataset.schema
    for source in ("nlp", "model"):
        labels_put(
            image=image,
            schema=schema,
            source=source,
            source_version=f"{source}-v1",
            labels={"Pneumothorax": LabelInput(value="positive", probability=0.9)},
        )
    enqueue(team, [image])
    reader = team.readers[0]
    claim(team, reader)  # holds an unsubmitted first read of the image
    return team, image, reader


def _sources(team, user, image) -> set[str]:
    r = team.c(user).get(f"/api/v1/images/{image.pk}/labels/")
    assert r.status_code == 200, r.content
    return {row["source"] for row in r.json()}


def _policy(team, **fields) -> None:
    Dataset.objects.filter(pk=team.dataset.pk).update(**fields)


def test_the_blinded_reader_gets_only_what_the_policy_shows_on_a_first_read(scene):
    team, image, reader = scene
    assert _sources(team, reader, image) == {"nlp", "model"}  # the defaults show both aids
    _policy(team, show_nlp_evidence=False, show_model_overlays=False)
    assert _sources(team, reader, image) == set()
    _policy(team, show_model_overlays=True)
    assert _sources(team, reader, image) == {"model"}
    _policy(team, show_nlp_evidence=True, show_report_on_first_read=False)
    assert _sources(team, reader, image) == {"model"}  # NLP goes with the report, hidden on first reads


def test_admins_see_every_machine_label_whatever_the_policy(scene):
    team, image, _reader = scene
    _policy(team, show_nlp_evidence=False, show_model_overlays=False, show_report_on_first_read=False)
    assert _sources(team, team.admin, image) == {"nlp", "model"}
