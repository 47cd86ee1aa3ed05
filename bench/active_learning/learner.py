"""The models retrained each round: a linear head on frozen features (CPU) or a fine-tuned net (GPU).

* `LinearHeadLearner` (the CPU stand-in; full training of even the tiny DenseNet every round is too
  slow on two shared cores): the start model (`--start pretrained`: the ArbiterNet trained on NLP
  labels, `pretrain.py`; `--start random`: seeded random weights), frozen, embeds every image once
  with the inference engine (`Scorer`); each round a per-finding logistic
  regression (L2, fitted by L-BFGS in torch, all findings at once) is trained on the adjudicated
  labels. Its "MC samples" for BALD / variance are heads refitted on Poisson-bootstrap weights of
  the labelled rows (a bootstrap ensemble). Embeddings for diversity: the frozen features.
* `FinetuneLearner` (`--head finetune`, for `--size full --device cuda`): the ArbiterNet itself is
  trained with `ml.nets.train.fit` on the labelled rows, starting from the start model's
  weights (its output layer resized to the findings) and warm-started from the previous round,
  with dropout 0.2; BALD samples are MC-dropout passes; embeddings are the net's pooled
  features. There is no separate validation split (labels are the scarce resource being measured):
  every epoch runs, and the best epoch on the training labels is kept.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

import numpy as np
import torch

from bench.active_learning.cohort import CACHE_DIR, Cohort
from ml.inference.engine import Scorer
from ml.nets.model import ArbiterNet, build_model
from ml.nets.spec import chexnet_spec
from ml.nets.train import LabelledArrays, TrainConfig, fit


@dataclass(frozen=True)
class Prediction:
    probs: np.ndarray  # [N_pool, C]
    samples: np.ndarray | None  # [S, N_pool, C]
    embeddings: np.ndarray  # [N_pool, D]
    test_probs: np.ndarray  # [N_test, C]


def frozen_outputs(
    cohort: Cohort, model: ArbiterNet, tag: str, device: str, *, cache: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings `[N_pool + N_test, D]`, probabilities `[N_pool + N_test, outputs]`) of the
    cohort's films by a frozen `model`, from one pass (cached under var/ by cohort and `tag`, which
    names the model)."""
    key = json.dumps(
        [cohort.seed, cohort.n_pool, len(cohort.x_test), cohort.x_pool.shape[1], cohort.key, tag, 2]
    )
    path = CACHE_DIR / f"outputs-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
    if cache and path.is_file():
        d = np.load(path)
        return d["embeddings"], d["probs"]
    scored = Scorer(model, device=device).score(
        np.concatenate([cohort.x_pool, cohort.x_test]), batch_size=128
    )
    emb, probs = scored.embeddings.astype(np.float64), scored.probs.astype(np.float64)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, embeddings=emb, probs=probs)
    return emb, probs


def fit_linear_heads(
    z: np.ndarray, y: np.ndarray, w: np.ndarray, counts: np.ndarray, l2: float, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """H independent L2 logistic regressions per finding, in one L-BFGS problem.

    `z` [n, D] features, `y` [n, C] 0/1 targets, `w` [n, C] loss weights (0 = masked), `counts`
    [H, n] per-head row weights (1 = plain fit, Poisson draws = bootstrap). Each (head, finding)
    minimises its weighted mean log-loss + `l2 * |weights|^2`; returns (W [H, D, C], b [H, C]).
    """
    zt = torch.as_tensor(z, dtype=torch.float64)
    yt = torch.as_tensor(y, dtype=torch.float64)
    rw = (
        torch.as_tensor(counts, dtype=torch.float64)[:, :, None]
        * torch.as_tensor(w, dtype=torch.float64)[None]
    )
    denom = rw.sum(dim=1).clamp_min(1e-9)  # [H, C]
    prior = ((rw * yt[None]).sum(dim=1) + 0.5) / (denom + 1.0)
    h, d, c = counts.shape[0], z.shape[1], y.shape[1]
    weights = torch.zeros((h, d, c), dtype=torch.float64, requires_grad=True)
    bias = torch.log(prior / (1 - prior)).clone().requires_grad_(True)
    opt = torch.optim.LBFGS([weights, bias], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        logits = torch.einsum("nd,hdc->hnc", zt, weights) + bias[:, None, :]
        per = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, yt.expand_as(logits), reduction="none"
        )
        loss = ((per * rw).sum(dim=1) / denom).sum() + l2 * (weights**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return weights.detach().numpy(), bias.detach().numpy()


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


class LinearHeadLearner:
    """Frozen random-init ArbiterNet features + per-finding logistic regression (see module doc)."""

    name = "linear"

    def __init__(
        self, z_pool: np.ndarray, z_test: np.ndarray, seed: int, *, n_samples: int = 5, c_reg: float = 0.1
    ) -> None:
        self.z_pool, self.z_test = z_pool, z_test
        self.n_samples = n_samples
        self.c_reg = c_reg
        self.rng = np.random.default_rng(seed)

    @classmethod
    def features(
        cls, cohort: Cohort, model: ArbiterNet, tag: str, device: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Standardised frozen features (pool, test) of one seed's cohort by `model`."""
        emb, _ = frozen_outputs(cohort, model, tag, device)
        mu, sd = emb[: cohort.n_pool].mean(axis=0), emb[: cohort.n_pool].std(axis=0) + 1e-6
        z = (emb - mu) / sd
        return z[: cohort.n_pool], z[cohort.n_pool :]

    def fit_predict(
        self, rows: np.ndarray, targets: np.ndarray, weights: np.ndarray, need_samples: bool, round_: int
    ) -> Prediction:
        n = len(rows)
        l2 = 0.5 / (self.c_reg * max(n, 1))  # scikit-learn's C = 0.1 scaling for a mean loss
        z = self.z_pool[rows]
        # the model itself is fitted alone, so it is the same whether or not samples are drawn
        wts, bias = fit_linear_heads(z, targets, weights, np.ones((1, n)), l2)
        probs = sigmoid(self.z_pool @ wts[0] + bias[0])
        samples = None
        if need_samples:
            counts = self.rng.poisson(1.0, (self.n_samples, n)).astype(np.float64)
            s_wts, s_bias = fit_linear_heads(z, targets, weights, counts, l2)
            samples = sigmoid(np.einsum("nd,hdc->hnc", self.z_pool, s_wts) + s_bias[:, None, :])
        return Prediction(
            probs=probs,
            samples=samples,
            embeddings=self.z_pool,
            test_probs=sigmoid(self.z_test @ wts[0] + bias[0]),
        )


def _enable_dropout(model: torch.nn.Module) -> None:
    for m in model.modules():
        if "Dropout" in type(m).__name__:
            m.train()


class FinetuneLearner:
    """The ArbiterNet trained with `fit` each round, warm-started (see module docstring)."""

    name = "finetune"

    def __init__(
        self,
        cohort: Cohort,
        size: str,
        device: str,
        seed: int,
        *,
        epochs: int = 3,
        n_samples: int = 8,
        batch_size: int = 32,
        init: ArbiterNet | None = None,
    ) -> None:
        self.cohort = cohort
        self.spec = replace(chexnet_spec(size, labels=cohort.findings), dropout_prob=0.2)
        if cohort.x_pool.shape[1] != self.spec.input_size:
            raise ValueError(f"render the cohort at {self.spec.input_size} px for the {size} model")
        self.model: ArbiterNet = build_model(self.spec, seed=seed)
        if init is not None:  # start from the NLP-trained model: every layer but a resized head
            own = self.model.state_dict()
            same = {k: v for k, v in init.state_dict().items() if k in own and own[k].shape == v.shape}
            self.model.load_state_dict({**own, **same})
        self.device = device
        self.seed = seed
        self.epochs = epochs
        self.n_samples = n_samples
        self.batch_size = batch_size

    def fit_predict(
        self, rows: np.ndarray, targets: np.ndarray, weights: np.ndarray, need_samples: bool, round_: int
    ) -> Prediction:
        data = LabelledArrays(
            self.cohort.x_pool[rows], targets.astype(np.float32), weights.astype(np.float32)
        )
        cfg = TrainConfig(
            epochs=self.epochs,
            batch_size=min(self.batch_size, max(2, len(rows))),
            early_stopping_patience=self.epochs,
            seed=self.seed * 1000 + round_,
        )
        fit(self.model, data, data, cfg, labels=self.cohort.findings, multilabel=True, device=self.device)
        scorer = Scorer(self.model, device=self.device)
        pool = scorer.score(self.cohort.x_pool, batch_size=256)
        test = scorer.score(self.cohort.x_test, batch_size=256)
        samples = self._mc_samples(scorer) if need_samples else None
        return Prediction(
            probs=pool.probs.astype(np.float64),
            samples=samples,
            embeddings=pool.embeddings.astype(np.float64),
            test_probs=test.probs.astype(np.float64),
        )

    @torch.inference_mode()
    def _mc_samples(self, scorer: Scorer) -> np.ndarray:
        model = scorer.model
        model.eval()
        _enable_dropout(model)
        x = torch.from_numpy(self.cohort.x_pool)
        out = []
        torch.manual_seed(self.seed)
        for _ in range(self.n_samples):
            parts = [scorer.forward_batch(x[lo : lo + 256])[0].float().cpu() for lo in range(0, len(x), 256)]
            out.append(torch.cat(parts).numpy())
        model.eval()
        return np.stack(out).astype(np.float64)
