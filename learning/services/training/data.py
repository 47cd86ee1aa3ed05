"""Training data from the database: label matrices, patient-level splits and training targets.

The ORM -> array bridge of a training run (the ML core takes arrays, never rows):

* **Labels.** Adjudicated labels are the current (not superseded) final version per image and
  finding (`current_final_labels`, as of the run's snapshot time); NLP labels are the latest stored
  version per image and finding (a newer pipeline version replaces an older one). Values become the
  CheXpert convention: 1 positive, 0 negative, -1 uncertain, NaN blank.
* **Splits.** Patient-level (`ml.splits`): a patient without a split gets the hashed one
  for the dataset's salt and the run's fractions, and it is *stored* on the patient, so every later
  run (whatever its fractions) sees the same split: no patient is ever in two splits, and the
  adjudicated items of the test split are the same between runs.
* **Targets.** Training rows: adjudicated labels plus, by the run's `WeakLabelPolicy`, NLP labels as
  weak labels (U-Ignore / U-Ones / U-Zeros, a loss weight). Weak-only rows of images with an open
  or confirmed QC flag are left out (a rotated or lateral film should not teach the model).
  Validation and test rows: adjudicated labels only, uncertain ones masked.
* **Implants.** With `exclude_implants`, images whose report the NLP pipeline flagged as mentioning
  an implant (newest ReportFlag Implant row stored by the snapshot time is positive) are left out of
  every split before anything else, as Oakden-Rayner excluded hip prostheses from a cohort.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db.models import Exists, OuterRef

from annotations.errors import InvalidInputError
from annotations.models import Dataset, Image, Label, Patient, QCFlag
from annotations.models.choices import LabelSource, QCStatus, SchemaKind, Split
from annotations.selectors.final_labels import current_final_labels
from annotations.selectors.report_flags import images_with_implant
from learning.services.models.kinds import model_labels
from ml.splits import SPLITS, SplitConfig, assign_split
from ml.weak_labels import WeakLabelPolicy, build_targets, single_choice_targets

VALUE_CODES = {"positive": 1.0, "negative": 0.0, "uncertain": -1.0}
CHUNK = 5000
MAX_LISTED_TEST_IDS = 20_000


class TrainingDataError(InvalidInputError):
    code = "not_enough_data"


def split_config_for(dataset: Dataset, fractions: dict[str, float]) -> SplitConfig:
    """The dataset's split salt (its slug: stable, and readable in the run's snapshot) + fractions."""
    return SplitConfig(salt=f"arbiter:{dataset.slug}", **fractions)


def patient_splits_assign(dataset: Dataset, config: SplitConfig) -> dict[int, str]:
    """Every patient's split (patient pk -> split), assigning and storing the missing ones."""
    splits: dict[int, str] = {}
    todo: dict[str, list[int]] = {s: [] for s in SPLITS}
    for pk, pseudo_id, split in Patient.objects.filter(dataset=dataset).values_list(
        "pk", "pseudo_id", "split"
    ):
        if split == Split.UNASSIGNED:
            split = assign_split(pseudo_id, config)
            todo[split].append(pk)
        splits[pk] = split
    for split, pks in todo.items():
        for lo in range(0, len(pks), CHUNK):
            # Conditional: a patient assigned meanwhile (another run) keeps that split.
            Patient.objects.filter(pk__in=pks[lo : lo + CHUNK], split=Split.UNASSIGNED).update(split=split)
    if any(todo.values()):
        stored = dict(
            Patient.objects.filter(dataset=dataset, pk__in=[p for v in todo.values() for p in v]).values_list(
                "pk", "split"
            )
        )
        splits.update(stored)
    return splits


def label_matrix(
    rows: list[tuple[int, str, str]], image_index: dict[int, int], labels: tuple[str, ...]
) -> np.ndarray:
    """[N, C] codes from (image id, finding key, value) rows; later rows win; blank / unknown -> NaN."""
    out = np.full((len(image_index), len(labels)), np.nan)
    column = {k: j for j, k in enumerate(labels)}
    for image_id, key, value in rows:
        i, j = image_index.get(image_id), column.get(key)
        if i is not None and j is not None:
            out[i, j] = VALUE_CODES.get(value, np.nan)
    return out


def single_choice_classes(matrix: np.ndarray) -> np.ndarray:
    """Class index per row: the one column holding 1, else -1 (none, or an inconsistent row)."""
    positive = matrix == 1.0
    cls = np.where(positive.sum(axis=1) == 1, positive.argmax(axis=1), -1)
    return cls.astype(np.int64)


@dataclass(frozen=True)
class SplitRows:
    """One split's items: image ids with targets (multi-label [n, C] + loss weights, or classes [n])."""

    image_ids: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    source: np.ndarray

    def __len__(self) -> int:
        return len(self.image_ids)

    def take(self, keep: np.ndarray) -> "SplitRows":
        return SplitRows(
            self.image_ids[keep],
            self.y[keep],
            None if self.weights is None else self.weights[keep],
            self.source[keep],
        )


@dataclass(frozen=True)
class TrainingData:
    labels: tuple[str, ...]
    multilabel: bool
    train: SplitRows
    validation: SplitRows
    test: SplitRows
    snapshot: dict = field(default_factory=dict)

    def split(self, name: str) -> SplitRows:
        return {"train": self.train, "validation": self.validation, "test": self.test}[name]


def _digest(values) -> str:
    return hashlib.sha256(json.dumps([int(v) for v in values]).encode()).hexdigest()


def _weak_rows(rows: SplitRows) -> int:
    weak = rows.source == 2
    return int(weak.any(axis=1).sum() if weak.ndim == 2 else weak.sum())


def _rows_multilabel(
    ids: np.ndarray, adj: np.ndarray, nlp: np.ndarray | None, policy: WeakLabelPolicy, skip_weak: np.ndarray
) -> SplitRows:
    t = build_targets(adj, nlp, policy)
    weights = t.weights.copy()
    # weak-only rows of QC-flagged images are dropped (their adjudicated cells, if any, stay)
    weights[skip_weak[:, None] & (t.source != 1)] = 0.0
    keep = (weights > 0).any(axis=1)
    return SplitRows(ids[keep], t.targets[keep], weights[keep], t.source[keep])


def _rows_single(
    ids: np.ndarray,
    adj: np.ndarray,
    nlp: np.ndarray | None,
    n_classes: int,
    policy: WeakLabelPolicy,
    skip_weak: np.ndarray,
) -> SplitRows:
    strong = single_choice_classes(adj)
    weak = None if nlp is None else np.where(skip_weak, -1, single_choice_classes(nlp))
    t = single_choice_targets(
        strong, weak, n_classes=n_classes, use_weak=policy.use_weak, weak_weight=policy.weak_weight
    )
    return SplitRows(ids[t.rows], t.classes, t.weights, t.source)


def training_data_assemble(
    *,
    dataset: Dataset,
    policy: WeakLabelPolicy,
    split: dict[str, float],
    as_of: datetime,
    exclude_implants: bool = False,
) -> TrainingData:
    """Everything a run trains and is evaluated on, as arrays (see the module docstring)."""
    labels = model_labels(dataset)
    multilabel = dataset.schema.kind == SchemaKind.MULTI_LABEL
    config = split_config_for(dataset, split)
    patient_split = patient_splits_assign(dataset, config)

    flagged = QCFlag.objects.filter(image_id=OuterRef("pk"), status__in=[QCStatus.OPEN, QCStatus.CONFIRMED])
    candidates = Image.objects.filter(dataset=dataset, created_at__lte=as_of)
    implant_excluded = 0
    if exclude_implants:
        implants = images_with_implant(dataset=dataset, as_of=as_of).filter(created_at__lte=as_of)
        implant_excluded = implants.count()
        candidates = candidates.exclude(pk__in=implants.values("pk"))
    images = list(
        candidates.annotate(flagged=Exists(flagged))
        .order_by("pk")
        .values_list("pk", "study__patient_id", "flagged")
    )
    ids = np.asarray([r[0] for r in images], dtype=np.int64)
    index = {int(pk): i for i, pk in enumerate(ids)}
    item_split = np.asarray([patient_split.get(r[1], Split.UNASSIGNED) for r in images])
    qc_flagged = np.asarray([bool(r[2]) for r in images], dtype=bool)

    adjudicated = current_final_labels(dataset=dataset, as_of=as_of)
    adj_rows = list(
        adjudicated.order_by("pk").values_list("image_id", "finding__key", "value").iterator(CHUNK)
    )
    label_ids = list(adjudicated.order_by("pk").values_list("pk", flat=True))
    adj = label_matrix(adj_rows, index, labels)
    nlp = None
    if policy.use_weak:
        nlp_rows = (
            Label.objects.filter(image__dataset=dataset, source=LabelSource.NLP, created_at__lte=as_of)
            .order_by("pk")
            .values_list("image_id", "finding__key", "value")
            .iterator(CHUNK)
        )
        nlp = label_matrix(list(nlp_rows), index, labels)

    strict = WeakLabelPolicy(uncertainty="ignore", use_weak=False)
    parts: dict[str, SplitRows] = {}
    for name in SPLITS:
        sel = item_split == name
        weak = nlp[sel] if (nlp is not None and name == "train") else None
        pol = policy if name == "train" else strict
        if multilabel:
            parts[name] = _rows_multilabel(ids[sel], adj[sel], weak, pol, qc_flagged[sel])
        else:
            parts[name] = _rows_single(ids[sel], adj[sel], weak, len(labels), pol, qc_flagged[sel])

    counts = {name: len(rows) for name, rows in parts.items()}
    test_ids = parts["test"].image_ids
    snapshot = {
        "as_of": as_of.isoformat(),
        "labels": list(labels),
        "split": config.to_dict(),
        "weak_labels": policy.to_dict(),
        "counts": counts,
        "images": len(ids),
        "adjudicated_images": int((~np.isnan(adj)).any(axis=1).sum()),
        "adjudicated_labels": len(label_ids),
        "adjudicated_labels_sha256": _digest(label_ids),
        "weak_images": _weak_rows(parts["train"]),
        "qc_flagged_images": int(qc_flagged.sum()),
        "exclude_implants": exclude_implants,
        "implant_excluded_images": implant_excluded,
        "test_image_ids_sha256": _digest(test_ids),
        "test_image_ids": [int(i) for i in test_ids] if len(test_ids) <= MAX_LISTED_TEST_IDS else None,
    }
    return TrainingData(labels, multilabel, parts["train"], parts["validation"], parts["test"], snapshot)


def check_enough(data: TrainingData) -> None:
    """TrainingDataError when a split is too small to train, stop early on, or evaluate."""
    counts = data.snapshot["counts"]
    problems = []
    if counts["train"] < 2:
        problems.append(f"the training split has {counts['train']} labelled item(s) (2 or more needed)")
    if counts["validation"] < 1:
        problems.append("the validation split has no adjudicated items (early stopping needs some)")
    if counts["test"] < 1:
        problems.append("the test split has no adjudicated items (the run could not be evaluated)")
    if problems:
        raise TrainingDataError(
            "Not enough labelled data to train: " + "; ".join(problems) + ". Adjudicate more items, or "
            "use NLP labels as weak labels for training.",
            detail={"counts": counts},
        )
