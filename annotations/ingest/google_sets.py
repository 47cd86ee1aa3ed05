"""Google's two expert label sets for NIH ChestX-ray14, as published: their columns and cell values.

- Four findings (Majkowska et al., Radiology 2019): test and validation labels, adjudicated by three
  radiologists (independent reads, then up to five rounds, then majority); the individual readers'
  file has YES / NO / HEDGE (HEDGE for pneumothorax and nodule/mass only).
- All findings (Nabulsi et al., Sci Rep 2021): 810 PA test films, five radiologists each; the
  published label is the majority of three designated readers. `Abnormal` is 0 / 1 in the readers'
  file and YES / NO in the labels file.

A cell left empty in a labels file means "this image was not adjudicated for that finding" (Google's
README): it is skipped, never an error.
"""

from dataclasses import dataclass, field

from annotations.models.choices import LabelValue
from layouts import google_expert as published
from layouts.label_schemas import GOOGLE4_FINDINGS, GOOGLE_ALL_FINDINGS

IMAGE_COLUMNS = published.IMAGE_COLUMNS
READER_COLUMN = published.READER_ID
SET_COLUMNS = published.SET_COLUMNS
# Individual readers could hedge: an uncertain read. Never a published (adjudicated) value.
VALUES = {cell: LabelValue(value) for cell, value in published.CELL_VALUES.items()}
ALL_FINDINGS_DESIGNATED_READERS = published.ALL_FINDINGS_DESIGNATED_READERS


@dataclass(frozen=True)
class LabelSet:
    key: str  # "four_findings" | "all_findings"
    title: str
    schema_key: str
    findings: tuple[str, ...]  # schema finding keys, in order
    # schema finding key -> the column names it has in the published files (first found wins)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # a column only this set has: how a CSV is recognised as this set's
    marker: str = ""
    reader_version: str = ""  # source_version prefix of per-reader labels
    provenance: str = ""  # reason text of the imported final labels ({split} is filled in)

    def columns_for(self, finding: str) -> tuple[str, ...]:
        return self.aliases.get(finding, (finding,))


FOUR_FINDINGS = LabelSet(
    key="four_findings",
    title="Google four-findings",
    schema_key="google4",
    findings=GOOGLE4_FINDINGS,
    aliases=published.FOUR_FINDINGS_ALIASES,
    marker=published.FOUR_FINDINGS_MARKER,
    reader_version="google4-reader",
    provenance=(
        "Google NIH 4-finding expert labels ({split} set): 3 radiologists, independent reads then up to "
        "5 adjudication rounds, majority where no consensus (Majkowska et al., Radiology 2019)"
    ),
)
ALL_FINDINGS = LabelSet(
    key="all_findings",
    title="Google all-findings",
    schema_key="google_all",
    findings=GOOGLE_ALL_FINDINGS,
    marker=published.ALL_FINDINGS_MARKER,
    reader_version="google-all-reader",
    provenance=(
        "Google NIH all-findings expert labels ({split} set): majority of the 3 designated radiologists "
        f"({', '.join(ALL_FINDINGS_DESIGNATED_READERS)}) of 5 (Nabulsi et al., Sci Rep 2021)"
    ),
)
LABEL_SETS = (FOUR_FINDINGS, ALL_FINDINGS)


def parse_value(cell: str, column: str) -> str | None:
    """The LabelValue of a published cell, None for an empty cell; ValueError for anything else."""
    text = cell.strip().upper()
    if not text:
        return None
    if text not in VALUES:
        raise ValueError(f"{column} = {cell!r} is not YES, NO, HEDGE, 1 or 0")
    return VALUES[text]
