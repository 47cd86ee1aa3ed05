"""An import's errors by class: every error counted, the first examples of each class kept, so one
real error is never lost among thousands of another class (the summary kept only the first 1,000)."""

from annotations.ingest.results import EXAMPLES_PER_CLASS, IngestSummary


def test_one_error_of_its_class_survives_thousands_of_another():
    summary = IngestSummary(labels_created=5)
    for i in range(3000):
        summary.error(f"readers.csv:{i + 2}", "unknown_image", f"no image {i}")
    summary.error("test_labels.csv:40", "bad_value", "Fracture = 'MAYBE' is not YES, NO, HEDGE, 1 or 0")
    assert summary.failed == 3001 and summary.error_counts == {"unknown_image": 3000, "bad_value": 1}
    assert [e.code for e in summary.errors].count("unknown_image") == EXAMPLES_PER_CLASS
    [bad] = [c for c in summary.error_classes() if c.code == "bad_value"]
    assert bad.count == 1 and bad.examples[0].file == "test_labels.csv:40"
    assert summary.as_dict()["errors_by_class"] == {"unknown_image": 3000, "bad_value": 1}
    lines = summary.describe_errors(examples=2)
    assert lines[0] == "  unknown_image: 3000 errors" and lines[3] == "    ... and 2998 more"
    assert "  bad_value: 1 error" in lines and any("MAYBE" in line for line in lines)
    assert summary.imported_anything


def test_unpacking_errors_come_first_and_are_counted():
    unpack, summary = IngestSummary(), IngestSummary(created=1)
    unpack.error("up.zip:../evil", "unsafe_path", "outside the archive")
    summary.error("a.dcm", "not_dicom", "not DICOM")
    summary.prepend_errors(unpack)
    assert [e.code for e in summary.errors] == ["unsafe_path", "not_dicom"]
    assert summary.failed == 2 and summary.error_counts == {"unsafe_path": 1, "not_dicom": 1}
