"""`manage.py build_qc_detector`: rebuild the shipped orientation / inversion detector.

    python manage.py build_qc_detector --folder ../shared/data/nih-cxr-dev [--synthetic 200]
                                       [--epochs 24] [--mirror-epochs 10] [--split-salt S]
                                       [--marker-epochs 15] [--net-from WEIGHTS]
                                       [--mirror-from WEIGHTS] [--seeds 3] [--remeasure]
                                       [--out ml/detectors/weights/orientation-v1.pt]

Trains on the training side of the patient split of the real films plus synthetic films from the
project's own generator (no weights from outside), measures it and the rule baseline on the
held-out side, and writes the weights and their JSON record (films, split, configuration, training
time, held-out metrics). The left-right mirror head trains after the net, from the same films at
256 px, then the laterality-marker head from the real films' top corners; each head `--seeds` times
from consecutive seeds, shipped averaged. `--split-salt
arbiter-qc-split-b` holds a different third of the patients aside (write it
with `--out` elsewhere: the shipped file uses the default split). See ml.detectors.pretrained.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.detectors.devfilms import SPLIT_SALT
from ml.detectors.evaluation import QCEvaluation, format_evaluation
from ml.detectors.mirror_net import MirrorTrainConfig
from ml.detectors.orientation_training import EpochReport, OrientationTrainConfig
from ml.detectors.pretrained import HEAD_SEEDS, MARKER_EPOCHS, WEIGHTS_PATH, build_pretrained, remeasure
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
        parser.add_argument("--mirror-epochs", type=int, default=MirrorTrainConfig().epochs)
        parser.add_argument("--marker-epochs", type=int, default=MARKER_EPOCHS)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--seeds",
            type=int,
            default=HEAD_SEEDS,
            help="seeds of each head trained and averaged (from --seed on)",
        )
        parser.add_argument("--split-salt", default=SPLIT_SALT, help="which patients are held out")
        parser.add_argument(
            "--remeasure",
            action="store_true",
            help="train nothing: measure the weights at --out again on their record's held-out films",
        )
        parser.add_argument(
            "--net-from",
            default=None,
            help="take the orientation net from this weights file (e.g. the shipped one) and train "
            "only the mirror head; the record says so",
        )
        parser.add_argument(
            "--mirror-from",
            default=None,
            help="take the mirror head from this weights file too (train only the marker head when "
            "--net-from names the same file); the record says so",
        )
        parser.add_argument("--out", default=str(WEIGHTS_PATH))

    def handle(self, *args, **opts) -> None:
        def progress(r: EpochReport) -> None:
            self.stdout.write(f"epoch {r.epoch}/{r.epochs}: loss {r.loss:.4f} ({r.seconds:.1f} s)")

        def mirror_progress(epoch: int, epochs: int, loss: float, seconds: float) -> None:
            self.stdout.write(f"mirror heads epoch {epoch}/{epochs}: loss {loss:.4f} ({seconds:.1f} s)")

        def marker_progress(epoch: int, epochs: int, loss: float, seconds: float) -> None:
            self.stdout.write(f"marker heads epoch {epoch}/{epochs}: loss {loss:.4f} ({seconds:.1f} s)")

        config = OrientationTrainConfig(epochs=opts["epochs"], seed=opts["seed"])
        mirror_config = MirrorTrainConfig(
            epochs=opts["mirror_epochs"], seed=opts["seed"], size=2 * config.size
        )
        marker_config = MirrorTrainConfig(
            epochs=opts["marker_epochs"], occlude=0.0, seed=opts["seed"], size=2 * config.size
        )
        if opts["remeasure"]:
            try:
                record = remeasure(opts["folder"], Path(opts["out"]))
            except (ModelError, ValueError, OSError, KeyError) as exc:
                raise CommandError(str(exc)) from exc
            held = record["held_out"]
            self.stdout.write(format_evaluation(_evaluation(held["learned"]), "learned, held-out films"))
            self.stdout.write(
                format_evaluation(_evaluation(held["baseline_rules"]), "rule baseline, same films")
            )
            self.stdout.write(f"re-measured {record['weights']['file']} on {held['films']} held-out films")
            return
        try:
            record = build_pretrained(
                opts["folder"],
                Path(opts["out"]),
                n_synthetic=opts["synthetic"],
                config=config,
                mirror_config=mirror_config,
                marker_config=marker_config,
                split_salt=opts["split_salt"],
                net_from=opts["net_from"],
                mirror_from=opts["mirror_from"],
                seeds=opts["seeds"],
                progress=progress,
                mirror_progress=mirror_progress,
                marker_progress=marker_progress,
            )
        except (ModelError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        held = record["held_out"]
        self.stdout.write(format_evaluation(_evaluation(held["learned"]), "learned, held-out films"))
        self.stdout.write(format_evaluation(_evaluation(held["baseline_rules"]), "rule baseline, same films"))
        t = record["training"]
        self.stdout.write(
            f"trained {t['epochs']} + {t['mirror_seeds']} x {t['mirror_epochs']} (mirror heads) + "
            f"{t['marker_seeds']} x {t['marker_epochs']} (marker heads) epochs in {t['seconds']} s "
            f"({t['orientation_seconds']} + {t['mirror_seconds']} + {t['marker_seconds']} s) on "
            f"{len(record['data']['train_films'])} real + "
            f"{record['data']['synthetic_films']['n']} synthetic films; "
            f"wrote {record['weights']['file']} ({record['weights']['bytes']} bytes)"
        )
        reused = t["orientation_net_from"]
        if reused:
            self.stdout.write(
                f"orientation net taken from {reused['file']} ({reused['version']}, trained in "
                f"{reused['training_seconds']} s; {reused['held_out_films_it_trained_on']} of these "
                f"held-out films were among its training films)"
            )
        if t["mirror_head_from"]:
            m = t["mirror_head_from"]
            self.stdout.write(
                f"mirror head taken from {m['file']} ({m['version']}, trained in {m['training_seconds']} s; "
                f"{m['held_out_films_it_trained_on']} of these held-out films were among its training films)"
            )
