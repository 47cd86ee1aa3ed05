"""Google's expert labels for NIH ChestX-ray14, imported from the release as Google published it.

Both sets import (see annotations.ingest.google_sets): the four findings (schema `google4`) and all
findings (schema `google_all`). A labels file's rows become adjudicated labels (version 1, provenance
"imported" with the set, split and how Google reached them); a readers' file's rows become per-reader
labels (source "reader", version `<set>-reader-<Reader ID>`). Images are matched by ChestX-ray14 Image
Index in the dataset the ChestX-ray14 images were imported into. Where the files are is worked out by
annotations.ingest.google_release (top folder, either subfolder, long or short file names).

Per-row problems are errors of their class and the rest imports: a cell that is not a published value
(`bad_value`), an image the dataset lacks (`unknown_image`), and a reader who appears twice for one
image with different answers (`conflicting_reader_row`: the first row is kept, the second reported).
"""

from pathlib import Path

from annotations.ingest.google_release import LabelFile, label_files
from annotations.ingest.google_sets import parse_value
from annotations.ingest.results import IngestSummary, ProgressCallback
from annotations.models import Dataset, Finding, Image
from annotations.models.choices import LabelSource, LabelValue
from annotations.services.datasets.schemas import schema_ensure
from annotations.services.labels import LabelInput, expert_labels_import, findings_by_key, labels_put

EXPECTED = (
    "Google's release folder (gcs-public-data--healthcare-nih-chest-xray-labels/), one of its "
    "subfolders, or its CSVs (e.g. four_findings_expert_labels_test_labels.csv or test_labels.csv)"
)


def _row_values(file: LabelFile, row: dict[str, str]) -> dict[str, str]:
    values = {}
    for finding, column in file.columns.findings.items():
        value = parse_value(row.get(column, ""), column)
        if value is None:
            continue  # Google: an empty cell means the image was not adjudicated for it
        if value == LabelValue.UNCERTAIN and not file.readers:
            raise ValueError(f"{column} = {row[column]!r}: published labels are YES or NO")
        values[finding] = value
    return values


def _differences(first: dict[str, str], second: dict[str, str]) -> str:
    keys = sorted(set(first) | set(second))
    return ", ".join(
        f"{k}: {first.get(k)} then {second.get(k)}" for k in keys if first.get(k) != second.get(k)
    )


class _FileImport:
    """One label file's rows into the dataset."""

    def __init__(self, dataset: Dataset, file: LabelFile, images: dict[str, int], summary: IngestSummary):
        self.dataset = dataset
        self.file = file
        self.images = images
        self.summary = summary
        self.schema = schema_ensure(file.label_set.schema_key)
        self.findings: dict[str, Finding] = findings_by_key(self.schema)
        self.seen: dict[tuple[str, str], tuple[int, dict[str, str]]] = {}  # (image, reader) -> first row

    def row(self, line: int, row: dict[str, str]) -> None:
        file, summary = self.file, self.summary
        where = f"{file.path.name}:{line}"
        key = row.get(file.columns.image, "")
        try:
            values = _row_values(file, row)
        except ValueError as exc:
            summary.error(where, "bad_value", str(exc))
            return
        if not key:
            summary.error(where, "bad_row", f"no {file.columns.image}")
            return
        if not values:
            return  # not adjudicated for any finding
        if file.readers:
            reader = row.get(file.columns.reader or "", "")
            if not reader:
                summary.error(where, "bad_row", f"no {file.columns.reader} for image {key!r}")
                return
            first = self.seen.setdefault((key, reader), (line, values))
            if first[0] != line:
                if first[1] != values:
                    summary.error(
                        where,
                        "conflicting_reader_row",
                        f"reader {reader} already answered image {key!r} on line {first[0]} with other "
                        f"values ({_differences(first[1], values)}); the first row is kept",
                    )
                else:
                    summary.existing += 1  # the same answers twice: nothing new
                return
        image_id = self.images.get(key)
        if image_id is None:
            summary.error(where, "unknown_image", f"no image {key!r} in dataset {self.dataset.slug!r}")
            return
        image = Image.objects.get(pk=image_id)
        if file.readers:
            created = labels_put(
                image=image,
                schema=self.schema,
                source=LabelSource.READER,
                source_version=f"{file.label_set.reader_version}-{reader}",
                labels={k: LabelInput(v) for k, v in values.items()},
                findings=self.findings,
            )
        else:
            split = file.split or (row.get(file.columns.set_id or "", "") or "unspecified")
            created = expert_labels_import(
                image=image,
                schema=self.schema,
                values=values,
                reason=file.label_set.provenance.format(split=split),
            )
        summary.labels_created += created
        if created:
            summary.created += 1
        else:
            summary.existing += 1


def import_google4(
    dataset: Dataset, root: Path, *, on_progress: ProgressCallback | None = None
) -> IngestSummary:
    summary = IngestSummary()
    files = label_files(root)
    if not files:
        summary.error(
            root.name, "missing_csv", f"no Google expert label CSV in {root.name}; expected {EXPECTED}"
        )
        return summary
    images = dict(Image.objects.filter(dataset=dataset).values_list("source_key", "id"))
    total = sum(len(f.rows) for f in files)
    done = 0
    for file in files:
        importer = _FileImport(dataset, file, images, summary)
        for line, row in file.rows:
            importer.row(line, row)
            done += 1
            if on_progress:
                on_progress(done, total)
    return summary
