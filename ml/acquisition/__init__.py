"""Acquisition: which unread items are worth a radiologist's time next. Django-free.

One interface: a strategy turns `AcquisitionInputs` (arrays) into one score per item, and `rank` /
`acquire` turn scores into a worklist with deterministic ties. See README.md.
"""

from ml.acquisition.base import BaseStrategy, Ranking, Strategy, acquire, config_version
from ml.acquisition.baseline import RandomStrategy, item_uniform
from ml.acquisition.combine import WeightedCombination
from ml.acquisition.config import STRATEGIES, available_strategies, strategy_from_config
from ml.acquisition.diversity import KCenterStrategy, greedy_order, min_distance_to_set
from ml.acquisition.errors import (
    AcquisitionError,
    InputsError,
    MissingInputError,
    StrategyConfigError,
)
from ml.acquisition.inputs import AcquisitionInputs
from ml.acquisition.nlp import NlpDisagreementStrategy, NlpUncertaintyStrategy
from ml.acquisition.ranking import rank, rank_normalise, rank_order
from ml.acquisition.rarity import RarityStrategy
from ml.acquisition.uncertainty import (
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
