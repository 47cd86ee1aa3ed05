"""Evaluation of trained models on the fixed adjudicated test split. Django-free; every result is a
dataclass with `to_dict()` giving pure JSON (NaN -> null) for the model registry. See README.md."""

from ml.evaluation.binary import (
    BinaryMetrics,
    RocCurve,
    binary_metrics,
    bootstrap_auroc,
    sens_spec_at,
    youden_threshold,
)
from ml.evaluation.compare import (
    FindingComparison,
    ModelComparison,
    compare_models,
    delong_test,
    paired_bootstrap_delta,
)
from ml.evaluation.errors import EvaluationError
from ml.evaluation.multilabel import MultiLabelReport, evaluate_multilabel
from ml.evaluation.single_choice import (
    KERMANY_PENALTY,
    URGENT_CLASSES,
    SingleChoiceReport,
    evaluate_single_choice,
    weighted_error,
)

__all__ = [
    "KERMANY_PENALTY",
    "URGENT_CLASSES",
    "BinaryMetrics",
    "EvaluationError",
    "FindingComparison",
    "ModelComparison",
    "MultiLabelReport",
    "RocCurve",
    "SingleChoiceReport",
    "binary_metrics",
    "bootstrap_auroc",
    "compare_models",
    "delong_test",
    "evaluate_multilabel",
    "evaluate_single_choice",
    "paired_bootstrap_delta",
    "sens_spec_at",
    "weighted_error",
    "youden_threshold",
]
