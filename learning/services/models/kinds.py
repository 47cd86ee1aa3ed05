"""Which network a dataset trains and scores: its model kind, output labels and `ModelSpec`.

The one place that decides it (issue #14): a multi-label schema (ChestX-ray14, CheXpert, Google's
four findings) trains a CheXNet-style model with one sigmoid output per labelled finding (derived
findings such as "No Finding" are not outputs); a single-choice schema (Kermany OCT, pediatric CXR)
trains a softmax classifier over its classes. Everything that needs the kind of a dataset, whether
its labels are multi-label, or which kinds are finding models, asks here: training runs, the
first-model bootstrap, ranking, training data, and the console (through `dataset_model`, served at
`GET /api/v1/datasets/{id}/model-spec/`). The detector kinds (rotation, inversion, view) are trained
by the QC developer's own services, not by training runs.
"""

from dataclasses import dataclass

from annotations.errors import InvalidInputError
from annotations.models import Dataset, LabelSchema
from annotations.models.choices import ModelKind, SchemaKind
from annotations.selectors.read_values import schema_questions
from ml.nets.errors import SpecError
from ml.nets.spec import ModelSpec, chexnet_spec, oct_spec

# The finding models (trained, scored, embedded, drawn as overlays); the detectors are QC's.
FINDING_KINDS: tuple[str, ...] = (ModelKind.CHEXNET.value, ModelKind.OCT.value)
TRAINABLE_KINDS: tuple[str, ...] = FINDING_KINDS


def is_multilabel(schema: LabelSchema) -> bool:
    """Whether the schema's labels are multi-label (one present / absent per finding), not one class."""
    return schema.kind == SchemaKind.MULTI_LABEL


def task_name(multilabel: bool) -> str:
    """The evaluation task of a model's metrics: "multi_label" or "single_choice"."""
    return SchemaKind.MULTI_LABEL.value if multilabel else SchemaKind.SINGLE_CHOICE.value


def model_kind_for(dataset: Dataset) -> str:
    """The finding model kind of the dataset's schema: chexnet (multi-label) or oct (single choice)."""
    kind = ModelKind.CHEXNET if is_multilabel(dataset.schema) else ModelKind.OCT
    return kind.value


def model_labels(dataset: Dataset) -> tuple[str, ...]:
    """The model's outputs, in schema order: labelled findings (multi-label) or the classes."""
    return schema_questions(dataset.schema).labelled


@dataclass(frozen=True)
class DatasetModel:
    """What a dataset's finding model is: its kind, outputs, and whether they are multi-label."""

    kind: str
    labels: tuple[str, ...]
    multilabel: bool

    @property
    def task(self) -> str:
        return task_name(self.multilabel)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "labels": list(self.labels),
            "multilabel": self.multilabel,
            "task": self.task,
            "trainable_kinds": list(TRAINABLE_KINDS),
        }


def dataset_model(dataset: Dataset) -> DatasetModel:
    """The dataset's finding model (kind, labels, multi-label): what the console shows and launches."""
    return DatasetModel(
        kind=model_kind_for(dataset), labels=model_labels(dataset), multilabel=is_multilabel(dataset.schema)
    )


def check_trainable_kind(dataset: Dataset, kind: str) -> str:
    """`kind` if a training run of the dataset may train it, else InvalidInputError saying why."""
    if kind not in TRAINABLE_KINDS:
        raise InvalidInputError(
            f"model kind {kind!r} is not trained by training runs; choose one of {list(TRAINABLE_KINDS)}",
            code="invalid_kind",
        )
    expected = model_kind_for(dataset)
    if kind != expected:
        raise InvalidInputError(
            f"the dataset's schema ({dataset.schema.key}, {dataset.schema.kind}) trains a {expected!r} "
            f"model, not {kind!r}",
            code="invalid_kind",
        )
    return kind


def model_spec_for(dataset: Dataset, kind: str, size: str) -> ModelSpec:
    """The spec of a fresh network of `kind` and `size` (tiny / full) for the dataset's labels."""
    labels = model_labels(dataset)
    try:
        if kind == ModelKind.CHEXNET:
            return chexnet_spec(size, labels=labels)
        return oct_spec(size, labels=labels)
    except SpecError as exc:
        raise InvalidInputError(str(exc), code="invalid_spec") from exc
