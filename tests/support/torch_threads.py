"""One torch intra-op thread for a test package: import `_one_torch_thread` into its conftest."""

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(scope="package", autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """One intra-op thread for the package's tests (module fixtures that train included): on a small
    shared CPU, OpenMP threads contending for cores make tiny networks 10-30x slower than one thread
    (and one thread keeps them deterministic)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
