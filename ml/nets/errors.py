"""Exceptions raised by the model core, each with a message a user can act on."""

from __future__ import annotations


class ModelError(Exception):
    """Base class for every error the model core raises on bad input."""


class SpecError(ModelError):
    """A model specification or training configuration is malformed."""


class WeightsFormatError(ModelError):
    """A weight file is not in a layout we can load, or does not fit the model."""


class CheckpointError(ModelError):
    """An Arbiter checkpoint is missing, truncated or not an Arbiter checkpoint."""


class InputError(ModelError):
    """An image, array or label handed to the model core has the wrong shape, type or range."""


class OperationCancelled(ModelError):
    """The caller's cancel flag was raised; the operation stopped between batches."""
