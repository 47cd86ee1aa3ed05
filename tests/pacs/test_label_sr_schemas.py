"""The label SR carries every published label of a study, whatever its schema: on a ChestX-ray14
dataset with Google's expert labels, the dataset's Pneumothorax and Google's are two findings, not
one name twice (no PACS needed: the SR is built and read back in memory)."""

from annotations.ingest.dicom import import_dicom
from annotations.ingest.pacs_sources import study_labels
from annotations.models import Image
from annotations.selectors.final_labels import published_final_labels
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.datasets.schemas import schema_ensure
from annotations.services.exports.pacs_sr import build_label_sr, read_label_sr
from annotations.services.labels import expert_labels_import
from tests.imaging.factory import dicom_bytes, gradient


def test_every_schema_s_labels_reach_the_sr_under_distinct_names(db, tmp_path):
    dataset, _ = dataset_get_or_create(slug="sr-schemas", name="sr", schema_key="chestxray14")
    path = tmp_path / "IM0001.dcm"
    path.write_bytes(dicom_bytes(gradient()))
    summary = import_dicom(dataset, [path])
    assert summary.created == 1, summary.errors
    image = Image.objects.get(dataset=dataset)
    own = {"Pneumothorax": "negative", "Effusion": "positive"}
    google = {"Pneumothorax": "positive", "Fracture": "negative", "Nodule or mass": "uncertain"}
    expert_labels_import(image=image, schema=dataset.schema, values=own, reason="test")
    expert_labels_import(image=image, schema=schema_ensure("google4"), values=google, reason="test")
    assert published_final_labels(dataset).count() == 5

    payload = study_labels(image.study)
    assert payload is not None
    back = read_label_sr(build_label_sr(payload))
    [entry] = back.images
    assert entry.sop_instance_uid == image.sop_instance_uid
    got = {f.finding: f.value for f in entry.findings}
    assert got == {**own, **{f"google4:{k}": v for k, v in google.items()}}
