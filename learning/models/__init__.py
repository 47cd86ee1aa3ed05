"""Learning's tables: training runs, the model registry, predictions and ranking scores.

They moved here from `annotations` (issue #14) without a table changing: each keeps its
`annotations_*` table (`Meta.db_table`), so existing databases need no data migration.
"""

from learning.models.registry import ModelVersion, Prediction, RankingScore, TrainingRun

__all__ = ["ModelVersion", "Prediction", "RankingScore", "TrainingRun"]
