"""Arbiter's reports CSV: one report per row, naming its study by accession number, study UID or image.

Not a published data set's layout (NIH never released ChestX-ray14's reports); ours, so that reports
can be imported beside images that came without them. Source: this repository (annotations.ingest
reads it, synthetic writes it). Header: one or more id columns and one text column, e.g.
`accession_number,study_instance_uid,report_text` or `image_index,report_text`; where a row fills
several id columns the first in ID_COLUMNS wins.
"""

REPORTS_CSV = "reports.csv"

ACCESSION_NUMBER = "accession_number"
STUDY_INSTANCE_UID = "study_instance_uid"
IMAGE_INDEX = "image_index"  # a ChestX-ray14 Image Index (an image's source file name)
ID_COLUMNS: tuple[str, ...] = (ACCESSION_NUMBER, STUDY_INSTANCE_UID, IMAGE_INDEX)  # most specific first

REPORT_TEXT = "report_text"
TEXT_COLUMNS: tuple[str, ...] = (REPORT_TEXT, "report", "text")

STUDY_REPORTS_HEADER: tuple[str, ...] = (ACCESSION_NUMBER, STUDY_INSTANCE_UID, REPORT_TEXT)
IMAGE_REPORTS_HEADER: tuple[str, ...] = (IMAGE_INDEX, REPORT_TEXT)
