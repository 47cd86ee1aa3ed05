"""Build strategies from JSON configs (what a dataset's settings or a training run store).

    {"name": "entropy", "reduce": "max"}
    {"name": "weighted",
     "components": {"entropy": 1.0,
                    "nlp_disagreement": {"weight": 0.5, "reduce": "sum"},
                    "hedges": {"name": "nlp_uncertainty", "weight": 0.25}},
     "diversity_weight": 0.5, "batch_size": 32}

A component is a weight, or a dict with `weight` plus the component's own parameters; its label
is its strategy name unless the dict names the strategy (`name`). `strategy.config()` round-trips:
`strategy_from_config(s.config())` has the same `key`.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from ml.acquisition.base import BaseStrategy, Strategy
from ml.acquisition.baseline import RandomStrategy
from ml.acquisition.combine import WeightedCombination
from ml.acquisition.diversity import KCenterStrategy
from ml.acquisition.errors import StrategyConfigError
from ml.acquisition.nlp import NlpDisagreementStrategy, NlpUncertaintyStrategy
from ml.acquisition.rarity import RarityStrategy
from ml.acquisition.uncertainty import (
    BaldStrategy,
    EntropyStrategy,
    MarginStrategy,
    VarianceStrategy,
)

STRATEGIES: dict[str, type[BaseStrategy]] = {
    cls.name: cls
    for cls in (
        RandomStrategy,
        EntropyStrategy,
        MarginStrategy,
        BaldStrategy,
        VarianceStrategy,
        NlpDisagreementStrategy,
        NlpUncertaintyStrategy,
        RarityStrategy,
        KCenterStrategy,
    )
}
COMBINATION = WeightedCombination.name


def available_strategies() -> list[str]:
    return sorted([*STRATEGIES, COMBINATION])


def _build(cls: type[BaseStrategy], params: Mapping[str, Any]) -> BaseStrategy:
    allowed = set(inspect.signature(cls.__init__).parameters) - {"self"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise StrategyConfigError(
            f"strategy {cls.name!r} has no parameter(s) {unknown}; it takes {sorted(allowed) or 'none'}"
        )
    try:
        return cls(**params)
    except TypeError as exc:
        raise StrategyConfigError(f"bad parameters for strategy {cls.name!r}: {exc}") from exc


def strategy_from_config(config: Mapping[str, Any]) -> Strategy:
    """The strategy a config describes; StrategyConfigError names what is wrong."""
    if not isinstance(config, Mapping):
        raise StrategyConfigError(f"a strategy config must be a JSON object, got {type(config).__name__}")
    params = dict(config)
    name = params.pop("name", None)
    if name == COMBINATION:
        return _combination(params)
    if name not in STRATEGIES:
        raise StrategyConfigError(f"unknown strategy {name!r}; choose one of {available_strategies()}")
    return _build(STRATEGIES[name], params)


def _combination(params: dict[str, Any]) -> WeightedCombination:
    raw = params.pop("components", None)
    if not isinstance(raw, Mapping) or not raw:
        raise StrategyConfigError("a 'weighted' strategy needs a non-empty 'components' object")
    components: dict[str, tuple[Strategy, float]] = {}
    for label, spec in raw.items():
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            sub: dict[str, Any] = {"name": label}
            weight = float(spec)
        elif isinstance(spec, Mapping):
            sub = dict(spec)
            if "weight" not in sub:
                raise StrategyConfigError(f"component {label!r} needs a 'weight'")
            weight = sub.pop("weight")
            sub.setdefault("name", label)
            if sub["name"] == COMBINATION:
                raise StrategyConfigError("a weighted combination cannot nest another one")
        else:
            raise StrategyConfigError(f"component {label!r} must be a weight or an object, got {spec!r}")
        components[str(label)] = (strategy_from_config(sub), weight)
    allowed = {"diversity_weight", "batch_size"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise StrategyConfigError(f"'weighted' has no parameter(s) {unknown}; it takes {sorted(allowed)}")
    return WeightedCombination(components, **params)


RANDOM_CONFIG = {"name": "random"}
# Keys of a dataset's acquisition weights that tune the weighted combination, not a strategy.
COMBINATION_PARAMS = ("diversity_weight", "batch_size")


def config_from_weights(weights: Mapping[str, Any]) -> dict[str, Any]:
    """The strategy config a dataset's `acquisition_weights` describe: `{}` the random baseline,
    `{strategy: weight, ...}` (optionally `diversity_weight` / `batch_size`) a weighted combination,
    or a full strategy config with a "name" as it is."""
    if not isinstance(weights, Mapping):
        raise StrategyConfigError("acquisition_weights must be a JSON object of strategy -> weight")
    if not weights:
        return dict(RANDOM_CONFIG)
    if "name" in weights:
        return dict(weights)
    params = {k: weights[k] for k in COMBINATION_PARAMS if k in weights}
    components = {k: v for k, v in weights.items() if k not in COMBINATION_PARAMS}
    return {"name": COMBINATION, "components": components, **params}
