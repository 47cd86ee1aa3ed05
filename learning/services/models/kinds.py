"""Which network a dataset trains and scores: its model kind, output labels and `ModelSpec`.

A multi-label schema (ChestX-ray14, CheXpert, Google's four findings) trains a CheXNet-style model
with one sigmoid output per labelled finding (derived findings such as "No Finding" are not
outputs); a single-choice schema (Kermany OCT, pediatric CXR) trains a softmax classifier over its
classes. The detector kinds (rotation, inversion, view) are trained by the QC developer's own
services, not by training runs.
"""

from annotations.errors import InvalidInputError
from annotations.models import Dataset
from annotations.models.choices import ModelKind, SchemaKind
from annotations.selectors.read_values import schema_questions
from ml.nets.errors import SpecError
from ml.nets.spec import ModelSpec, chexnet_spec, oct_spec

TRAINABLE_KINDS: tuple[str, ...] = (ModelKind.CHEXNET.value, ModelKind.OCT.value)


def model_kind_for(dataset: Dataset) -> str:
    """The finding model kind of the dataset's schema: chexnet (multi-label) or oct (single choice)."""
    kind = ModelKind.CHEXNET if dataset.schema.kind == SchemaKind.MULTI_LABEL else ModelKind.OCT
    return kind.value


def model_labels(dataset: Dataset) -> tuple[str, ...]:
    """The model's outputs, in schema order: labelled findings (multi-label) or the classes."""
    return schema_questions(dataset.schema).labelled


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
