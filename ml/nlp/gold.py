"""Gold sets: hand-written reports with the labels a careful reader gives them (YAML).

    schema: chexpert
    flags: [Implant]            # optional
    cases:
    - text: No change in the small left pleural effusion.
      expect: {Pleural Effusion: 1}          # 1 / 0 / -1; null for an explicit blank
      known_failure: why the labeler gets it wrong   # optional

Every finding not listed is expected blank; No Finding, unless listed, follows CheXpert's rule
(positive when the text is not blank and nothing but Support Devices and flags is 1 or -1).
Used by the tests (value by value), the evaluation example and the benchmark's accuracy figures.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml

from layouts.label_schemas import NO_FINDING, get_schema
from ml.nlp.aggregate import NOT_PATHOLOGY
from ml.nlp.errors import PhraseFileError
from ml.nlp.labels import NEGATIVE, POSITIVE, UNCERTAIN

_VALUES = {1: POSITIVE, 0: NEGATIVE, -1: UNCERTAIN, None: None}


@dataclass(frozen=True)
class GoldCase:
    text: str
    expected: dict[str, str | None]  # every finding of the schema and flags
    known_failure: str | None = None


@dataclass(frozen=True)
class GoldSet:
    schema: str
    flags: tuple[str, ...]
    findings: tuple[str, ...]
    cases: tuple[GoldCase, ...]


def load_gold(path: Path) -> GoldSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PhraseFileError(f"cannot read gold set {path}: {exc}") from exc
    schema = get_schema(data["schema"])
    flags = tuple(data.get("flags") or ())
    findings = (*schema.findings, *flags)
    cases = []
    for i, item in enumerate(data["cases"]):
        where = f"{path} case #{i} ({item.get('text', '')[:40]!r})"
        given = item.get("expect") or {}
        unknown = set(given) - set(findings)
        if unknown:
            raise PhraseFileError(f"{where}: unknown findings {sorted(unknown)}")
        expected: dict[str, str | None] = {}
        for finding in findings:
            value = given.get(finding)
            if value not in _VALUES:
                raise PhraseFileError(f"{where}: {finding} = {value!r}; use 1, 0, -1 or null")
            expected[finding] = _VALUES[value]
        if NO_FINDING in schema.derived and NO_FINDING not in given:
            abnormal = any(
                expected[f] in (POSITIVE, UNCERTAIN)
                for f in findings
                if f not in NOT_PATHOLOGY | {NO_FINDING}
            )
            expected[NO_FINDING] = POSITIVE if item["text"].strip() and not abnormal else None
        cases.append(GoldCase(item["text"], expected, item.get("known_failure")))
    return GoldSet(schema.key, flags, findings, tuple(cases))
