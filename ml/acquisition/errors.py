"""Exceptions raised by the acquisition core, each with a message a user can act on."""

from __future__ import annotations


class AcquisitionError(Exception):
    """Base class for every error the acquisition core raises on bad input or configuration."""


class InputsError(AcquisitionError):
    """An array in `AcquisitionInputs` has the wrong shape, type or values."""


class MissingInputError(AcquisitionError):
    """A strategy needs an input (probabilities, samples, NLP labels, embeddings) that was not given."""


class StrategyConfigError(AcquisitionError):
    """A strategy configuration names an unknown strategy or has a bad parameter."""
