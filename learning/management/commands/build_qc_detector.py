"""`manage.py build_qc_detector`: rebuild the shipped orientation / inversion detector.

    python manage.py build_qc_detector --folder ../shared/data/nih-cxr-dev [--synthetic 200]
                                       [--epochs 24] [--out learning/ml/detectors/weights/orientation-v1.pt]

Trains on the training side of the patient split of the real films plus synthetic films from the
project's own generator (no weights from outside), measures it and the rule baseline on the
held-out side, and writes the weights and their JSON record (films, split, configuration, training
time, held-out metrics). See ml.detectors.pretrained.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.detectors.evaluation import QCEvaluation, format_evaluation
from ml.detectors.orientation_training import EpochReport, OrientationTrainConfig
from ml.detectors.pretrained import WEIGHTS_PATH, build_pretrained
from ml.nets.errors import ModelError


def _evaluation(d: dict) -> QCEvaluation:
    from ml.detectors.evaluation import DistortionResult

    return QCEvaluation(
        threshold=d["threshold"],
        n_clean=d["n_clean"],
        clean_flagged_any=d["clean_flagged_any"],
        results=[DistortionResult(**r) for r in d["results"]],
    )


class Command(BaseCommand):
    help = "Train, measure and write the shipped orientation / inversion detector."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--folder", required=True, help="real films in the ChestX-ray14 layout")
        parser.add_argument("--synthetic", type=int, default=200, help="synthetic films added to training")
        parser.add_argument("--epochs", type=int, default=OrientationTrainConfig().epochs)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", default=str(WEIGHTS_PATH))

    def handle(self, *args, **opts) -> None:
        def progress(r: EpochReport) -> None:
            self.stdout.write(f"epoch {r.epoch}/{r.epochs}: loss {r.loss:.4f} ({r.seconds:.1f} s)")

        config = OrientationTrainConfig(epochs=opts["epochs"], seed=opts["seed"])
        try:
            record = build_pretrained(
                opts["folder"],
                Path(opts["out"]),
                n_synthetic=opts["synthetic"],
                config=config,
                progress=progress,
            )
        except ModelError as exc:
            raise CommandError(str(exc)) from exc
        held = record["held_out"]
        self.stdout.write(format_evaluation(_evaluation(held["learned"]), "learned, held-out films"))
        self.stdout.write(format_evaluation(_evaluation(held["baseline_rules"]), "rule baseline, same films"))
        self.stdout.write(
            f"trained {record['training']['epochs']} epochs in {record['training']['seconds']} s on "
            f"{len(record['data']['train_films'])} real + "
            f"{record['data']['synthetic_films']['n']} synthetic films; "
            f"wrote {record['weights']['file']} ({record['weights']['bytes']} bytes)"
        )
