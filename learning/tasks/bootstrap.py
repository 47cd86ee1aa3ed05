"""The demo's first model as a task: train a tiny model on the dataset's own labels, then score it.

Runs on the default queue (CPU-sized training, about a minute); the scoring it queues goes to the
`gpu` queue. Idempotent: a dataset that already has a model of the kind is left alone.
"""

from celery import shared_task

from annotations.models import Dataset
from learning.models import ModelVersion
from learning.services.models.kinds import model_kind_for
from learning.services.scoring.jobs import scoring_start
from learning.services.training.bootstrap import train_initial_model


@shared_task(name="learning.bootstrap_model", bind=True, acks_late=True)
def bootstrap_model(self, dataset_id: int, epochs: int = 6) -> dict:
    dataset = Dataset.objects.select_related("schema").get(pk=dataset_id)
    if ModelVersion.objects.filter(dataset=dataset, kind=model_kind_for(dataset)).exists():
        return {"status": "exists"}
    done = train_initial_model(dataset, epochs=epochs)
    job = scoring_start(model_version=done.model_version)
    return {"model_version": done.model_version.pk, "scoring_job": job.pk}
