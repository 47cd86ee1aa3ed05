"""Google's expert labels imported from copies of the release in its exact published layout, onto real
NIH films (the development copy in ../shared/data; these tests skip where it is absent)."""

import io
import os
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from annotations.ingest.csvfiles import CsvLayoutError
from annotations.ingest.registry import run_importer
from annotations.models import Image, Label
from tests.support.google_release import (
    ALL_FINDINGS,
    DESIGNATED,
    FOUR_FINDINGS,
    Release,
    nih_metadata,
    shared_data,
    write_release,
)

VALUE = {"YES": "positive", "NO": "negative", "HEDGE": "uncertain", "1": "positive", "0": "negative"}
LEFT_OUT = 2  # release images the dataset lacks: "unknown_image" errors


def _nih_folder(tmp_path: Path, images: set[str]) -> Path:
    """A ChestX-ray14 folder holding the real films `images` with their real metadata rows."""
    nih = nih_metadata()
    root = tmp_path / "nih"
    (root / "images").mkdir(parents=True)
    lines = [nih.header] + [r.line for r in nih.rows if r.image in images]
    (root / "Data_Entry_2017.csv").write_bytes("\r\n".join(lines).encode())
    for name in images:
        os.symlink(shared_data() / "nih-cxr-dev" / "images" / name, root / "images" / name)
    return root


@pytest.fixture
def release(tmp_path) -> Release:
    return write_release(tmp_path / "google")


@pytest.fixture
def nih_dataset(dataset, release, tmp_path):
    """The ChestX-ray14 dataset with the release's films but the last LEFT_OUT four-findings ones."""
    wanted = {t.image for t in release.four[:-LEFT_OUT]} | {t.image for t in release.all}
    summary = run_importer("chestxray14", dataset, [_nih_folder(tmp_path, wanted)])
    assert (summary.created, summary.failed) == (len(wanted), 0)
    return dataset


def _finals(dataset, schema: str) -> dict[tuple[str, str], Label]:
    qs = Label.objects.filter(image__dataset=dataset, source="adjudicated", finding__schema__key=schema)
    return {
        (lb.image.source_key, lb.finding.key): lb
        for lb in qs.select_related("image", "finding", "provenance")
    }


def _reader_values(dataset, schema: str) -> dict[tuple[str, str, str], str]:
    qs = Label.objects.filter(image__dataset=dataset, source="reader", finding__schema__key=schema)
    return {
        (lb.image.source_key, lb.source_version.rsplit("-", 1)[1], lb.finding.key): lb.value
        for lb in qs.select_related("image", "finding")
    }


def test_the_top_folder_imports_both_sets_with_their_labels_and_provenance(nih_dataset, release):
    summary = run_importer("google4", nih_dataset, [release.root])

    known = {t.image for t in release.four[:-LEFT_OUT]}
    # Four findings: every published label of a film the dataset has, as published, with provenance.
    finals = _finals(nih_dataset, "google4")
    expected = {(t.image, f): VALUE[v] for t in release.four if t.image in known for f, v in t.label.items()}
    assert {k: lb.value for k, lb in finals.items()} == expected
    assert (release.four[3].image, "Fracture") not in finals  # an empty cell: not adjudicated
    for (image, _), label in finals.items():
        split = next(t.split for t in release.four if t.image == image)
        assert label.provenance.how_reached == "imported"
        assert f"({split} set)" in label.provenance.reason and "Majkowska" in label.provenance.reason
    # Every reader's read, HEDGE as uncertain; of the duplicated reader row the first is kept.
    readers = _reader_values(nih_dataset, "google4")
    expected = {
        (t.image, r.reader, f): VALUE[r.cells[f]]
        for t in release.four
        if t.image in known
        for r in t.reads
        for f in FOUR_FINDINGS
    }
    assert readers == expected
    assert {len(t.reads) for t in release.four if t.image in known} == {2, 3, 4, 5}
    dup = release.duplicate
    assert readers[(dup.image, dup.reader, "Pneumothorax")] == VALUE[dup.first["Pneumothorax"]]

    # All findings: every label (Abnormal YES / NO in the labels file, 0 / 1 in the readers' file).
    finals = _finals(nih_dataset, "google_all")
    assert {k: lb.value for k, lb in finals.items()} == {
        (t.image, f): VALUE[t.label[f]] for t in release.all for f in ALL_FINDINGS
    }
    assert all(DESIGNATED[0] in lb.provenance.reason for lb in finals.values())
    readers = _reader_values(nih_dataset, "google_all")
    assert readers == {
        (t.image, r.reader, f): VALUE[r.cells[f]] for t in release.all for r in t.reads for f in ALL_FINDINGS
    }

    # What failed is reported by class: the films the dataset lacks, and the reader's second answer.
    assert summary.error_counts == {
        "unknown_image": sum(1 + len(t.reads) for t in release.four[-LEFT_OUT:]),
        "conflicting_reader_row": 1,
    }
    (conflict,) = [e for e in summary.errors if e.code == "conflicting_reader_row"]
    assert (
        dup.image in conflict.message
        and dup.reader in conflict.message
        and "Pneumothorax" in conflict.message
    )

    # Idempotent: a second run stores nothing new.
    before = Label.objects.count()
    again = run_importer("google4", nih_dataset, [release.root])
    assert again.labels_created == 0 and again.created == 0 and Label.objects.count() == before


@pytest.mark.parametrize(
    ("names", "point_at", "sets"),
    [
        ("long", "four", {"google4"}),
        ("long", "all", {"google_all"}),
        ("short", "top", {"google4", "google_all"}),
        ("short", "four", {"google4"}),
        ("short", "all", {"google_all"}),
    ],
)
def test_subfolders_and_googles_short_names_import(nih_dataset, tmp_path, names, point_at, sets):
    release = write_release(tmp_path / f"g-{names}-{point_at}", names=names, point_at=point_at)
    summary = run_importer("google4", nih_dataset, [release.root])
    assert summary.labels_created > 0
    stored = set(
        Label.objects.filter(image__dataset=nih_dataset, source="adjudicated").values_list(
            "finding__schema__key", flat=True
        )
    )
    assert stored == sets
    assert "missing_csv" not in summary.error_counts


def test_one_short_named_file_is_told_apart_by_its_header(nih_dataset, tmp_path):
    """Both sets have a test_labels.csv: the all-findings one has the all-findings columns."""
    release = write_release(tmp_path / "g", names="short")
    one = release.root / "all_findings_expert_labels" / "test_labels.csv"
    summary = run_importer("google4", nih_dataset, [one])
    assert summary.failed == 0 and summary.created == len(release.all)
    assert set(_finals(nih_dataset, "google_all")) == {
        (t.image, f) for t in release.all for f in ALL_FINDINGS
    }


def test_a_published_name_with_the_wrong_columns_is_refused_whole(nih_dataset, tmp_path):
    release = write_release(tmp_path / "g", point_at="four")
    bad = release.root / "four_findings_expert_labels_test_labels.csv"
    bad.write_bytes(bad.read_bytes().replace(b"Airspace opacity", b"Opacity", 1))
    with pytest.raises(CsvLayoutError, match="Opacity"):
        run_importer("google4", nih_dataset, [release.root])
    assert not Label.objects.filter(source__in=["adjudicated", "reader"]).exists()


def test_the_command_exits_non_zero_and_summarises_errors_by_class(nih_dataset, release, tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"unknown_image x\d+, conflicting_reader_row x1"):
        call_command("import_google4", str(release.root), "--dataset", nih_dataset.slug, stdout=out)
    text = out.getvalue()
    assert "conflicting_reader_row: 1 error" in text and "unknown_image:" in text
    assert Label.objects.filter(source="adjudicated").exists()  # what imported stays
    out = io.StringIO()
    call_command(
        "import_google4", str(release.root), "--dataset", nih_dataset.slug, "--allow-partial", stdout=out
    )
    assert "partial import accepted" in out.getvalue()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CommandError, match=r"nothing imported.*missing_csv"):
        call_command(
            "import_google4", str(empty), "--dataset", nih_dataset.slug, "--allow-partial", stdout=out
        )


def test_missing_films_on_a_clean_release_are_still_a_failure(dataset, release):
    """Nothing of the release is in this dataset: every row is an error and the command fails."""
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_google4", str(release.root), "--dataset", dataset.slug, stdout=io.StringIO())
    assert not Image.objects.exists()


def test_the_zipped_release_uploads_over_rest_with_errors_by_class(
    nih_dataset, release, admin_client, eager_celery, django_capture_on_commit_callbacks, tmp_path
):
    """Google's top folder zipped as a user would: the job imports both sets and its summary counts
    the errors by class."""
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as zf:
        for path in sorted(release.root.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(release.root.parent).as_posix())
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post(
            f"/api/v1/datasets/{nih_dataset.pk}/imports/",
            {"importer": "google4", "file": SimpleUploadedFile("google.zip", payload.getvalue())},
            format="multipart",
        )
    assert r.status_code == 202, r.content
    job = admin_client.get(f"/api/v1/jobs/{r.json()['id']}/").json()
    assert job["summary"]["errors_by_class"] == {
        "unknown_image": sum(1 + len(t.reads) for t in release.four[-LEFT_OUT:]),
        "conflicting_reader_row": 1,
    }, job
    assert {e["code"] for e in job["errors"]} == {"unknown_image", "conflicting_reader_row"}
    schemas = set(
        Label.objects.filter(image__dataset=nih_dataset, source="adjudicated").values_list(
            "finding__schema__key", flat=True
        )
    )
    assert schemas == {"google4", "google_all"}
