"""Exceptions raised by the evaluation core, each with a message a user can act on."""

from __future__ import annotations


class EvaluationError(ValueError):
    """Labels, scores or an evaluation setting are unusable (shape, range, class names)."""
