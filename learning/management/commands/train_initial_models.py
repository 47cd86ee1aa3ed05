"""Train a dataset's first finding model from the labels it already has (no downloads), CPU-sized.

    python manage.py train_initial_models --dataset chestxray14 [--size tiny] [--epochs 6] [--score]

Registers the model as the dataset's next ModelVersion (number 1 on a fresh dataset; production
when it has none). Skips datasets that already have a model of that kind unless --force.
With --score, queues scoring of the dataset with the new model.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.errors import DomainError
from annotations.models import Dataset
from learning.models import ModelVersion
from learning.services.models.kinds import model_kind_for
from learning.services.scoring.jobs import scoring_start
from learning.services.training.bootstrap import train_initial_model
from ml.nets.errors import ModelError
from ml.nets.spec import SIZES


class Command(BaseCommand):
    help = "Train and register a tiny first model for a dataset from its NLP / imported labels."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", required=True, help="dataset slug")
        parser.add_argument("--size", default="tiny", choices=sorted(SIZES))
        parser.add_argument("--epochs", type=int, default=6)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--force", action="store_true", help="train even if the dataset has a model")
        parser.add_argument("--score", action="store_true", help="queue scoring with the new model")

    def handle(self, *args, **opts) -> None:
        dataset = Dataset.objects.select_related("schema").filter(slug=opts["dataset"]).first()
        if dataset is None:
            raise CommandError(f"no dataset {opts['dataset']!r}")
        existing = (
            ModelVersion.objects.filter(dataset=dataset, kind=model_kind_for(dataset))
            .order_by("-number")
            .first()
        )
        if existing is not None and not opts["force"]:
            self.stdout.write(
                f"{dataset.slug}: has {existing.version_tag} already (use --force to train another)"
            )
            return
        try:
            done = train_initial_model(
                dataset, size=opts["size"], epochs=opts["epochs"], seed=opts["seed"], log=self.stdout.write
            )
        except (DomainError, ModelError) as exc:
            raise CommandError(str(exc)) from exc
        mv = done.model_version
        auroc = done.metrics["val_auroc"]
        self.stdout.write(f"{dataset.slug}: registered {mv.version_tag} ({mv.status}), val AUROC {auroc}")
        if opts["score"]:
            job = scoring_start(model_version=mv)
            self.stdout.write(f"{dataset.slug}: scoring queued as job {job.pk}")
