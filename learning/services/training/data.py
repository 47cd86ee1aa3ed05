"""Training data from the database: label matrices, patient-level splits and training targets.

What a training run (and the first-model bootstrap) learns from, as arrays (the ML core takes
arrays, never rows; the rows become arrays in learning.bridge.labels):

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
from annotations.models import Dataset, Image, Patient, QCFlag
from annotations.models.choices import LabelSource, QCStatus, Split
from annotations.selectors.report_flags import images_with_implant
from learning.bridge.labels import final_label_matrix, single_choice_classes, stored_label_matrix
from learning.services.models.kinds import dataset_model
from ml.nets.train import LabelledArrays
from ml.splits import SPLITS, SplitConfig, assign_split
from ml.weak_labels import WeakLabelPolicy, build_targets, single_choice_targets

CHUNK = 5000
# QC flags that keep an image's weak labels out of training (a rotated or lateral film, say).
DOUBTFUL_QC = (QCStatus.OPEN, QCStatus.CONFIRMED)
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


def multilabel_rows(
    ids: np.ndarray, adj: np.ndarray, nlp: np.ndarray | None, policy: WeakLabelPolicy, skip_weak: np.ndarray
) -> SplitRows:
    """Multi-label training rows: adjudicated targets, plus NLP ones as `policy` says (weak labels),
    except for `skip_weak` images (QC-flagged: their weak-only cells leave the loss); rows with
    nothing in the loss are left out."""
    t = build_targets(adj, nlp, policy)
    weights = t.weights.copy()
    # weak-only rows of QC-flagged images are dropped (their adjudicated cells, if any, stay)
    weights[skip_weak[:, None] & (t.source != 1)] = 0.0
    keep = (weights > 0).any(axis=1)
    return SplitRows(ids[keep], t.targets[keep], weights[keep], t.source[keep])


def single_choice_rows(
    ids: np.ndarray,
    adj: np.ndarray,
    nlp: np.ndarray | None,
    n_classes: int,
    policy: WeakLabelPolicy,
    skip_weak: np.ndarray,
) -> SplitRows:
    """Single-choice training rows: the adjudicated class, else the NLP one (weak, as `policy` says;
    never for `skip_weak` images); rows without a class are left out."""
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
    spec = dataset_model(dataset)
    labels, multilabel = spec.labels, spec.multilabel
    config = split_config_for(dataset, split)
    patient_split = patient_splits_assign(dataset, config)

    flagged = QCFlag.objects.filter(image_id=OuterRef("pk"), status__in=DOUBTFUL_QC)
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

    adj, label_ids = final_label_matrix(dataset, index, labels, as_of=as_of)
    nlp = None
    if policy.use_weak:
        nlp = stored_label_matrix(dataset, index, labels, sources=(LabelSource.NLP,), as_of=as_of)

    strict = WeakLabelPolicy(uncertainty="ignore", use_weak=False)
    parts: dict[str, SplitRows] = {}
    for name in SPLITS:
        sel = item_split == name
        weak = nlp[sel] if (nlp is not None and name == "train") else None
        pol = policy if name == "train" else strict
        if multilabel:
            parts[name] = multilabel_rows(ids[sel], adj[sel], weak, pol, qc_flagged[sel])
        else:
            parts[name] = single_choice_rows(ids[sel], adj[sel], weak, len(labels), pol, qc_flagged[sel])

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


def labelled_arrays(rows: SplitRows, x: np.ndarray, multilabel: bool) -> LabelledArrays:
    """The ML core's training input of `rows` with their model inputs `x` (float targets and loss
    weights for multi-label, int classes for single choice)."""
    if multilabel:
        return LabelledArrays(x, rows.y.astype(np.float32), rows.weights.astype(np.float32))
    return LabelledArrays(x, rows.y.astype(np.int64))


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
