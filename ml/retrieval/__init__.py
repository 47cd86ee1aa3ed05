"""Similar-case retrieval: exact and approximate cosine top-k over stored embeddings (Django-free).

See README.md in this folder for what each module owns.
"""

from ml.retrieval.approximate import FaissIndex, IvfConfig, faiss_available
from ml.retrieval.builder import DEFAULT_EXACT_MAX, build_index, search_filtered
from ml.retrieval.errors import (
    BackendUnavailableError,
    EmbeddingError,
    IndexFileError,
    RetrievalError,
)
from ml.retrieval.evaluation import RetrievalEvaluation, evaluate_retrieval, precision_at_k
from ml.retrieval.exact import ExactIndex
from ml.retrieval.results import EMPTY_ID, SearchResult, VectorIndex, merge_top_k
from ml.retrieval.store import LoadedIndex, delete_index, load_index, save_index
from ml.retrieval.vectors import decode_embedding, encode_embedding, normalise_rows, stack_embeddings

__all__ = [
    "DEFAULT_EXACT_MAX",
    "EMPTY_ID",
    "BackendUnavailableError",
    "EmbeddingError",
    "ExactIndex",
    "FaissIndex",
    "IndexFileError",
    "IvfConfig",
    "LoadedIndex",
    "RetrievalError",
    "RetrievalEvaluation",
    "SearchResult",
    "VectorIndex",
    "build_index",
    "decode_embedding",
    "delete_index",
    "encode_embedding",
    "evaluate_retrieval",
    "faiss_available",
    "load_index",
    "merge_top_k",
    "normalise_rows",
    "precision_at_k",
    "save_index",
    "search_filtered",
    "stack_embeddings",
]
