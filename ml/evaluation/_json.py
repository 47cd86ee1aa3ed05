"""JSON-ready conversion for metric dataclasses: numpy scalars to Python, NaN / inf to None.

PostgreSQL's jsonb refuses NaN, so undefined metrics (AUROC with one class present) become null.
"""

from __future__ import annotations

import math
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np


def jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


class JsonMixin:
    """`to_dict()` for a dataclass of metrics: pure JSON types, NaN -> None."""

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)
