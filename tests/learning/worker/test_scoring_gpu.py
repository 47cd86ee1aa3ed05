"""Scoring through the task code path on a CUDA GPU (skipped without one): the worker picks the GPU by
itself and runs bf16 with channels-last, the stored probabilities and embeddings agree with fp32 on
the CPU, and a re-score reads the preprocessing cache instead of decoding."""

import numpy as np
import pytest

from annotations.models import Job
from annotations.models.choices import ModelKind
from learning.bridge import images as bridge
from learning.models import Prediction
from learning.services.scoring.chunk import score_images, scorer_for
from learning.services.scoring.jobs import scoring_start
from ml.retrieval import decode_embedding
from tests.learning.worker.conftest import register_tiny

pytestmark = pytest.mark.gpu


def stored(mv) -> dict[int, tuple[dict, np.ndarray]]:
    return {
        p.image_id: (p.probabilities, decode_embedding(p.embedding))
        for p in Prediction.objects.filter(model_version=mv)
    }


@pytest.mark.parametrize("size", ["tiny", "full"])
def test_gpu_scoring_matches_the_cpu_and_uses_bf16_channels_last(nih, size, settings):
    mv = register_tiny(nih, ModelKind.CHEXNET) if size == "tiny" else register_full(nih)
    ids = list(nih.images.order_by("pk").values_list("pk", flat=True))
    gpu = score_images(mv, ids)  # device "auto": the GPU
    assert gpu.scored == len(ids) and "bf16 channels_last" in gpu.device
    assert scorer_for(mv).settings.device.type == "cuda"
    on_gpu = stored(mv)
    decodes = bridge.decode_count()
    cpu = score_images(mv, ids, device="cpu")  # same rows, rewritten from fp32 on the CPU
    assert cpu.decoded == 0 and bridge.decode_count() == decodes  # warm cache
    on_cpu = stored(mv)
    assert len(on_cpu) == len(on_gpu) == len(ids) == Prediction.objects.filter(model_version=mv).count()
    labels = mv.spec["labels"]
    p_gpu = np.array([[on_gpu[i][0][k] for k in labels] for i in ids])
    p_cpu = np.array([[on_cpu[i][0][k] for k in labels] for i in ids])
    assert np.abs(p_gpu - p_cpu).max() < 0.05  # bf16 vs fp32
    e_gpu, e_cpu = np.stack([on_gpu[i][1] for i in ids]), np.stack([on_cpu[i][1] for i in ids])
    cos = (e_gpu * e_cpu).sum(1) / np.linalg.norm(e_gpu, axis=1) / np.linalg.norm(e_cpu, axis=1)
    assert cos.min() > 0.99


def register_full(dataset):
    from learning.services.models.weights import model_version_register
    from ml.nets.checkpoint import save_checkpoint
    from ml.nets.model import build_model
    from ml.nets.spec import chexnet_spec

    spec = chexnet_spec("full")
    model = build_model(spec, seed=0)
    return model_version_register(
        dataset=dataset,
        kind=ModelKind.CHEXNET,
        write=lambda path: save_checkpoint(path, model),
        spec=spec.to_dict(),
        production=True,
    )


def test_gpu_scoring_job_through_the_tasks(nih, eager_celery, django_capture_on_commit_callbacks):
    pytest.importorskip("spacy")  # the Celery app registers every task, NLP included
    mv = register_tiny(nih, ModelKind.CHEXNET)
    with django_capture_on_commit_callbacks(execute=True):
        job = scoring_start(model_version=mv, chunk_size=7)
    job = Job.objects.get(pk=job.pk)
    assert job.status == "succeeded", job.errors
    assert job.summary["scored"] == nih.images.count() == Prediction.objects.filter(model_version=mv).count()
