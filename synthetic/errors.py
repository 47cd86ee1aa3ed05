"""Exceptions raised by the synthetic data generator."""

from __future__ import annotations


class SyntheticDataError(ValueError):
    """Bad input to a synthetic renderer or cohort generator (unknown finding, view, size...)."""
