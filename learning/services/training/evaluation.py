"""A trained model's evaluation on the fixed adjudicated test split, and its comparison with the
current production model on the same items (the metrics a ModelVersion stores).

Multi-label (CheXNet): per-finding AUROC with a bootstrap 95 % CI, PR AUC, sensitivity and
specificity at the run's threshold and at the Youden-optimal threshold, ROC points for plotting,
macro AUROC. Single choice (OCT): accuracy, confusion, Kermany weighted error, one-vs-rest AUROCs and
the urgent-referral ROC (CNV or DME). The comparison (DeLong and paired bootstrap per finding) is
computed by scoring the production model on the same test images, at its own input size.

Stored layout (`ModelVersion.metrics`, pure JSON, NaN -> null):

    {"task": "multi_label" | "single_choice", "labels": [...],
     "summary": {"macro_auroc", "n_test", "threshold", ("accuracy", "weighted_error", "urgent_auroc")},
     "test": <MultiLabelReport | SingleChoiceReport .to_dict()>,
     "validation": {"best_epoch", "best_auroc", "best_accuracy", "per_label_auroc", "stopped_early",
                    "history": [...]},
     "comparison": null | {"production": {"id", "number"}, "n_test", ...ModelComparison.to_dict()}
                   | {"production": {...}, "error": "why it could not be compared"}}
"""

from collections.abc import Callable

import numpy as np

from annotations.errors import DomainError
from annotations.models.choices import ModelStatus
from learning.bridge.inputs import model_inputs
from learning.models import ModelVersion
from learning.services.models.kinds import task_name
from learning.services.models.weights import model_checkpoint
from learning.services.training.data import TrainingData
from ml.evaluation import (
    EvaluationError,
    compare_models,
    evaluate_multilabel,
    evaluate_single_choice,
)
from ml.evaluation._json import jsonable
from ml.inference.engine import score
from ml.nets.model import ArbiterNet
from ml.nets.train import FitResult

URGENT = "urgent referral"


def predict(model: ArbiterNet, x: np.ndarray, *, device: str = "auto") -> np.ndarray:
    """Probabilities `[N, C]` (sigmoid or softmax) in fp32."""
    return score(model, x, batch_size=64, device=device, precision="fp32", workers=1).probs.astype(np.float64)


def evaluate_test_split(
    data: TrainingData, probs: np.ndarray, *, threshold: float, n_boot: int, seed: int
) -> dict:
    """Metrics on the test split (`probs` in `data.test` order)."""
    test = data.test
    if data.multilabel:
        report = evaluate_multilabel(
            test.y, probs, data.labels, mask=test.weights > 0, thresholds=threshold, n_boot=n_boot, seed=seed
        )
        summary = {"macro_auroc": report.macro_auroc}
    else:
        report = evaluate_single_choice(
            test.y, probs, data.labels, threshold=threshold, n_boot=n_boot, seed=seed
        )
        summary = {
            "macro_auroc": report.macro_auroc,
            "accuracy": report.accuracy,
            "weighted_error": report.weighted_error if report.penalty is not None else None,
            "urgent_auroc": report.urgent.auroc if report.urgent is not None else None,
        }
    summary.update(n_test=len(test), threshold=threshold)
    return {
        "task": task_name(data.multilabel),
        "labels": list(data.labels),
        "summary": jsonable(summary),
        "test": report.to_dict(),
    }


def validation_summary(fit: FitResult) -> dict:
    d = fit.to_dict()
    return jsonable(
        {
            "best_epoch": d["best_epoch"],
            "best_auroc": d["best_auroc"],
            "best_accuracy": d["best_accuracy"],
            "per_label_auroc": d["per_label_auroc"],
            "stopped_early": d["stopped_early"],
            "epochs_run": len(d["history"]),
        }
    )


def _comparison_matrices(data: TrainingData, cand: np.ndarray, prod: np.ndarray):
    """(y, candidate, production, mask, names) for compare_models: one-hot classes plus an urgent
    column for single choice (P(CNV) + P(DME) when the classes are Kermany's)."""
    test = data.test
    if data.multilabel:
        return test.y, cand, prod, test.weights > 0, list(data.labels)
    k = len(data.labels)
    y = np.eye(k)[test.y]
    names = list(data.labels)
    urgent = [data.labels.index(c) for c in ("CNV", "DME") if c in data.labels]
    if len(urgent) == 2:
        y = np.column_stack([y, y[:, urgent].max(axis=1)])
        cand = np.column_stack([cand, cand[:, urgent].sum(axis=1).clip(0, 1)])
        prod = np.column_stack([prod, prod[:, urgent].sum(axis=1).clip(0, 1)])
        names.append(URGENT)
    return y, cand, prod, None, names


def production_comparison(
    *,
    data: TrainingData,
    dataset_id: int,
    kind: str,
    candidate_probs: np.ndarray,
    n_boot: int,
    seed: int,
    device: str = "auto",
    beat: Callable[[], object] | None = None,
) -> dict | None:
    """Candidate vs the current production version on the same test items; None without one."""
    prod = ModelVersion.objects.filter(
        dataset_id=dataset_id, kind=kind, status=ModelStatus.PRODUCTION
    ).first()
    if prod is None:
        return None
    head = {"production": {"id": prod.pk, "number": prod.number}, "n_test": len(data.test)}
    try:
        ckpt = model_checkpoint(prod)
    except DomainError as exc:
        return {**head, "error": f"the production model could not be loaded: {exc}"}
    if tuple(ckpt.spec.labels) != tuple(data.labels):
        return {**head, "error": "the production model has other outputs than this dataset's labels"}
    x, ok = model_inputs(data.test.image_ids, ckpt.spec.input_size, beat=beat)
    if not ok.all():
        return {**head, "error": f"{int((~ok).sum())} test image(s) could not be decoded"}
    prod_probs = predict(ckpt.model, x, device=device)
    y, cand, prd, mask, names = _comparison_matrices(data, candidate_probs, prod_probs)
    try:
        cmp = compare_models(y, cand, prd, names, mask=mask, n_boot=n_boot, seed=seed)
    except EvaluationError as exc:
        return {**head, "error": str(exc)}
    return {**head, **cmp.to_dict()}
