"""Exceptions raised by the retrieval core, each with a message a user can act on."""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class for every error the retrieval core raises on bad input, files or configuration."""


class EmbeddingError(RetrievalError):
    """An embedding (or a matrix of them) has the wrong size, type or values."""


class IndexFileError(RetrievalError):
    """A saved index is missing, unreadable, or does not match its manifest."""


class BackendUnavailableError(RetrievalError):
    """The approximate index needs FAISS (`faiss-cpu`), which is not installed."""
