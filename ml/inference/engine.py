"""The inference engine: probabilities and embeddings for many images, batched, on the best device.

`score(model, inputs, ...)` accepts

* images: an array `[N, H, W]` or a list of 2-D arrays (float in [0, 1] or uint8, any size: resized);
* cache keys: a list of strings, with `decode(key) -> float32 [0, 1] image` for misses and optionally
  a `PreprocessCache` so a second pass (after retraining) reads the resized arrays instead of decoding;
* a uint8/float tensor `[N, S, S]` already at the model's size (the warm in-memory form).

and returns `ScoreResult(probs [N, C] float32, embeddings [N, D] float32)`. The next two batches are
assembled on background threads (decode / cache reads split over a thread pool, pinned host memory
on GPUs) while the device computes the current one.
On a GPU the model runs under bf16 autocast with channels-last tensors (and `torch.compile` on
request); on the CPU it runs fp32 eager and gives bit-identical results for identical inputs. Build a
`Scorer` once to score many chunks with one (possibly compiled) model copy.
"""

from __future__ import annotations

import contextlib
import copy
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ml.inference.cache import Decoder, PreprocessCache, run_spans
from ml.inference.preprocess import prepare, prepare_batch
from ml.nets.device import RunSettings, resolve_settings
from ml.nets.errors import InputError, OperationCancelled
from ml.nets.model import ArbiterNet

Inputs = np.ndarray | torch.Tensor | Sequence[np.ndarray] | Sequence[str]
Progress = Callable[[int, int], None]


class ScoreResult(NamedTuple):
    probs: np.ndarray  # [N, C] float32
    embeddings: np.ndarray  # [N, D] float32


class _ScoringModule(nn.Module):
    """Forward + activation in one module, so `torch.compile` can fuse the whole path."""

    def __init__(self, model: ArbiterNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits, emb = self.model.forward_with_embeddings(x)
        return self.model.activate(logits.float()), emb.float()


class Scorer:
    """A model copy placed on a device with the run settings; `score` it many times."""

    def __init__(
        self,
        model: ArbiterNet,
        *,
        device: str | torch.device = "auto",
        precision: str = "auto",
        channels_last: bool | None = None,
        compile: bool = False,
    ) -> None:
        if not isinstance(model, ArbiterNet):
            raise InputError(f"expected an ArbiterNet, got {type(model).__name__}")
        self.settings: RunSettings = resolve_settings(device, precision, channels_last)
        self.spec = model.spec
        m = copy.deepcopy(model).eval().to(self.settings.device)
        if self.settings.channels_last:
            m = m.to(memory_format=torch.channels_last)
            m.channels_last = True
        for p in m.parameters():
            p.requires_grad_(False)
        self.model = m
        self.compiled = bool(compile)
        self._batch_size = 0
        module = _ScoringModule(m)
        self._forward: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]] = (
            torch.compile(module, dynamic=False) if compile else module
        )

    @property
    def size(self) -> int:
        return self.spec.input_size

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.settings.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.settings.device.type, dtype=self.settings.autocast_dtype)

    @torch.inference_mode()
    def forward_batch(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Probabilities and embeddings (float32, on the device) for one prepared batch `[B, S, S]`."""
        dev = self.settings.device
        x = x.to(dev, non_blocking=True)
        n = x.shape[0]
        if (
            self.compiled and self._batch_size and n < self._batch_size
        ):  # static shapes for the compiled graph
            pad = x.new_zeros((self._batch_size - n, *x.shape[1:]))
            x = torch.cat([x, pad])
        with self._autocast():
            probs, emb = self._forward(x)
        return probs[:n], emb[:n]

    def score(
        self,
        inputs: Inputs,
        *,
        batch_size: int = 64,
        cache: PreprocessCache | None = None,
        decode: Decoder | None = None,
        workers: int = 4,
        progress: Progress | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> ScoreResult:
        """Score `inputs` (images, cache keys or a prepared tensor); see the module docstring."""
        if batch_size < 1:
            raise InputError("batch_size must be at least 1")
        self._batch_size = batch_size
        n = len(inputs)
        if n == 0:
            return ScoreResult(
                np.zeros((0, self.spec.num_outputs), np.float32),
                np.zeros((0, self.model.embedding_dim), np.float32),
            )
        cuda = self.settings.device.type == "cuda"
        workers = max(1, workers)
        # two batches are assembled ahead (decode / cache reads on `pool`) while the device computes;
        # outputs stay on the device until the end
        with ThreadPoolExecutor(max_workers=workers) as pool, ThreadPoolExecutor(max_workers=2) as ahead:
            load = self._loader(inputs, cache, decode, pool, workers)

            def fetch(lo: int) -> torch.Tensor:
                t = load(lo, min(lo + batch_size, n))
                return t.pin_memory() if cuda and not t.is_cuda and not t.is_pinned() else t

            probs_out: list[torch.Tensor] = []
            emb_out: list[torch.Tensor] = []
            starts = list(range(0, n, batch_size))
            pending: deque[Future] = deque(ahead.submit(fetch, lo) for lo in starts[:2])
            for i, lo in enumerate(starts):
                if should_cancel is not None and should_cancel():
                    for f in pending:
                        f.cancel()
                    raise OperationCancelled(f"scoring cancelled after {lo} of {n} images")
                batch = pending.popleft().result()
                if i + 2 < len(starts):
                    pending.append(ahead.submit(fetch, starts[i + 2]))
                probs, emb = self.forward_batch(batch)
                probs_out.append(probs)
                emb_out.append(emb)
                if progress is not None:
                    progress(min(lo + batch_size, n), n)
        probs_np = torch.cat(probs_out).cpu().numpy()
        emb_np = torch.cat(emb_out).cpu().numpy()
        return ScoreResult(probs_np.astype(np.float32, copy=False), emb_np.astype(np.float32, copy=False))

    def _loader(
        self,
        inputs: Inputs,
        cache: PreprocessCache | None,
        decode: Decoder | None,
        pool: ThreadPoolExecutor,
        workers: int,
    ) -> Callable[[int, int], torch.Tensor]:
        size = self.size
        if isinstance(inputs, torch.Tensor):
            if inputs.dim() != 3 or tuple(inputs.shape[1:]) != (size, size):
                raise InputError(f"a tensor input must be [N, {size}, {size}], got {tuple(inputs.shape)}")
            return lambda lo, hi: inputs[lo:hi]
        first = inputs[0]
        if isinstance(first, str):
            keys: Sequence[str] = inputs  # type: ignore[assignment]
            if decode is None:
                raise InputError(
                    "scoring by cache key needs a decode(key) callable for images not yet cached"
                )
            if cache is not None:
                if cache.size != size:
                    raise InputError(f"cache holds {cache.size} px arrays but the model takes {size} px")
                return lambda lo, hi: torch.from_numpy(
                    cache.fetch(keys[lo:hi], decode, workers=workers, pool=pool)
                )

            def load_keys(lo: int, hi: int) -> torch.Tensor:
                out = np.empty((hi - lo, size, size), np.uint8)

                def one(i: int) -> None:
                    out[i] = prepare(decode(keys[lo + i]), size, "uint8")

                run_spans(hi - lo, one, workers=workers, pool=pool)
                return torch.from_numpy(out)

            return load_keys
        if isinstance(inputs, np.ndarray) or isinstance(first, np.ndarray):
            return lambda lo, hi: torch.from_numpy(np.ascontiguousarray(prepare_batch(inputs[lo:hi], size)))
        raise InputError(
            f"cannot score inputs of type {type(first).__name__}: pass arrays, cache keys or a tensor"
        )


def score(
    model: ArbiterNet,
    inputs: Inputs,
    *,
    batch_size: int = 64,
    device: str | torch.device = "auto",
    cache: PreprocessCache | None = None,
    decode: Decoder | None = None,
    precision: str = "auto",
    channels_last: bool | None = None,
    compile: bool = False,
    workers: int = 4,
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ScoreResult:
    """Probabilities `[N, C]` and embeddings `[N, D]` for `inputs` (one-shot `Scorer`)."""
    scorer = Scorer(model, device=device, precision=precision, channels_last=channels_last, compile=compile)
    return scorer.score(
        inputs,
        batch_size=batch_size,
        cache=cache,
        decode=decode,
        workers=workers,
        progress=progress,
        should_cancel=should_cancel,
    )


def iter_chunks(n: int, chunk: int) -> Iterator[tuple[int, int]]:
    """(lo, hi) ranges covering `n` items in chunks (for callers that split a data set across tasks)."""
    for lo in range(0, n, chunk):
        yield lo, min(lo + chunk, n)
