"""Acquisition: which unread items are worth a radiologist's time next. Django-free.

One interface: a strategy turns `AcquisitionInputs` (arrays) into one score per item, and `rank` /
`acquire` turn scores into a worklist with deterministic ties. See README.md.
"""

from mlworker.ml.acquisition.base import BaseStrategy, Ranking, Strategy, acquire, config_version
from mlworker.ml.acquisition.baseline import RandomStrategy, item_uniform
from mlworker.ml.acquisition.combine import WeightedCombination
from mlworker.ml.acquisition.config import STRATEGIES, available_strategies, strategy_from_config
from mlworker.ml.acquisition.diversity import KCenterStrategy, greedy_order, min_distance_to_set
from mlworker.ml.acquisition.errors import (
    AcquisitionError,
    InputsError,
    MissingInputError,
    StrategyConfigError,
)
from mlworker.ml.acquisition.inputs import AcquisitionInputs
from mlworker.ml.acquisition.nlp import NlpDisagreementStrategy, NlpUncertaintyStrategy
from mlworker.ml.acquisition.ranking import rank, rank_normalise, rank_order
from mlworker.ml.acquisition.rarity import RarityStrategy
from mlworker.ml.acquisition.uncertainty import (
    BaldStrategy,
    EntropyStrategy,
    MarginStrategy,
    VarianceStrategy,
)

__all__ = [
    "STRATEGIES",
    "AcquisitionError",
    "AcquisitionInputs",
    "BaldStrategy",
    "BaseStrategy",
    "EntropyStrategy",
    "InputsError",
    "KCenterStrategy",
    "MarginStrategy",
    "MissingInputError",
    "NlpDisagreementStrategy",
    "NlpUncertaintyStrategy",
    "RandomStrategy",
    "Ranking",
    "RarityStrategy",
    "Strategy",
    "StrategyConfigError",
    "VarianceStrategy",
    "WeightedCombination",
    "acquire",
    "available_strategies",
    "config_version",
    "greedy_order",
    "item_uniform",
    "min_distance_to_set",
    "rank",
    "rank_normalise",
    "rank_order",
    "strategy_from_config",
]
