"""Reads of the learning side: training runs, model versions (with ROC curves to plot) and the
stored acquisition scores. Objects are found through the user's datasets, and an admin role on the
dataset is needed (`access_dataset`): an id from another dataset is simply not found."""

from django.db.models import Count, QuerySet

from annotations.access.datasets import access_dataset, access_datasets
from annotations.errors import InvalidInputError, NotFoundError
from annotations.models import Dataset
from annotations.models.choices import ModelStatus, Role, RunStatus
from learning.models import ModelVersion, RankingScore, TrainingRun
from learning.services.models.kinds import model_kind_for
from learning.services.ranking import acquisition_config, acquisition_strategy

ADMIN = (Role.ADMIN,)


def _choice(name: str, value: str | None, allowed) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise InvalidInputError(f"{name} must be one of {', '.join(allowed)}")
    return value


def training_runs_of(dataset: Dataset, *, kind: str | None = None, status: str | None = None) -> QuerySet:
    qs = TrainingRun.objects.filter(dataset=dataset).select_related("created_by", "model_version")
    if kind:
        qs = qs.filter(kind=kind)
    if _choice("status", status, RunStatus.values):
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def training_run_get(user, run_id: int) -> TrainingRun:
    """The run, if the user is an admin of its dataset (404 when they cannot see the dataset)."""
    run = (
        TrainingRun.objects.filter(pk=run_id, dataset__in=access_datasets(user))
        .select_related("dataset", "created_by", "model_version")
        .first()
    )
    if run is None:
        raise NotFoundError("No such training run.")
    access_dataset(user, run.dataset_id, roles=ADMIN)
    return run


def model_versions_of(dataset: Dataset, *, kind: str | None = None, status: str | None = None) -> QuerySet:
    qs = ModelVersion.objects.filter(dataset=dataset).select_related("training_run")
    if kind:
        qs = qs.filter(kind=kind)
    if _choice("status", status, ModelStatus.values):
        qs = qs.filter(status=status)
    return qs.order_by("kind", "-number")


def model_version_get(user, version_id: int) -> ModelVersion:
    mv = (
        ModelVersion.objects.filter(pk=version_id, dataset__in=access_datasets(user))
        .select_related("dataset", "training_run")
        .first()
    )
    if mv is None:
        raise NotFoundError("No such model version.")
    access_dataset(user, mv.dataset_id, roles=ADMIN)
    return mv


def _curve(name: str, m: dict | None) -> dict | None:
    if not m or not m.get("roc") or not m["roc"].get("fpr"):
        return None
    return {
        "name": name,
        "auroc": m.get("auroc"),
        "auroc_ci_low": m.get("auroc_ci_low"),
        "auroc_ci_high": m.get("auroc_ci_high"),
        "n": m.get("n"),
        "n_positive": m.get("n_positive"),
        "fpr": m["roc"]["fpr"],
        "tpr": m["roc"]["tpr"],
        "thresholds": m["roc"].get("thresholds", []),
    }


def roc_curves(mv: ModelVersion) -> list[dict]:
    """Every ROC curve stored with the version, ready to plot: one per finding (multi-label) or per
    class plus the urgent-referral curve (single choice). Findings without both classes in the test
    split have no curve."""
    test = (mv.metrics or {}).get("test") or {}
    per = test.get("findings") if "findings" in test else test.get("per_class")
    curves = [_curve(name, m) for name, m in (per or {}).items()]
    if test.get("urgent"):
        curves.append(
            _curve("urgent referral (" + " or ".join(test.get("urgent_classes", [])) + ")", test["urgent"])
        )
    return [c for c in curves if c is not None]


def ranking_scores(dataset: Dataset, *, strategy: str | None = None, model_version_id: int | None = None):
    """Stored scores of one (strategy key, model version), best first. Defaults: the dataset's
    current strategy and, when it needs a model, its production version."""
    if strategy is None:
        s = acquisition_strategy(dataset)
        strategy = s.key
        if model_version_id is None and s.requires_model:
            prod = ModelVersion.objects.filter(
                dataset=dataset, kind=model_kind_for(dataset), status=ModelStatus.PRODUCTION
            ).first()
            model_version_id = prod.pk if prod else None
    qs = RankingScore.objects.filter(dataset=dataset, strategy=strategy)
    if model_version_id is None:
        qs = qs.filter(model_version__isnull=True)
    else:
        qs = qs.filter(model_version_id=model_version_id)
    return qs.order_by("-score", "image_id")


def ranking_summary(dataset: Dataset) -> dict:
    """The dataset's strategy (config, key) and which stored rankings exist (strategy, version, n)."""
    strategy = acquisition_strategy(dataset)
    stored = (
        RankingScore.objects.filter(dataset=dataset)
        .values("strategy", "model_version")
        .annotate(count=Count("id"))
        .order_by("strategy", "model_version")
    )
    return {
        "acquisition_weights": dataset.acquisition_weights,
        "config": acquisition_config(dataset),
        "strategy": strategy.key,
        "requires_model": strategy.requires_model,
        "stored": list(stored),
    }
