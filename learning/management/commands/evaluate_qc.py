"""`manage.py evaluate_qc`: bad-image detection measured on real films with known distortions.

    python manage.py evaluate_qc --folder ../shared/data/nih-cxr-dev --split held-out
                                 [--slug qc-eval] [--limit N] [--keep] [--json PATH|-]

Every film of the ChestX-ray14 folder (or of one side of the patient split the shipped detector was
built with: `held-out` are films it never trained on) is copied clean and rotated 90 / 180 / 270,
mirrored left-right and top-bottom, and inverted; the copies are imported into a fresh dataset and QC
runs with its defaults, as a user would start it. Printed per distortion: recall and false flags on
the clean films at the default threshold (from the flags QC stored, and from the detector's scores),
AUC and ROC operating points, how often the stored fix undoes the distortion, and the same for the
non-learned rule baseline on the same inputs; QC films per minute. The dataset is deleted afterwards
unless --keep.
"""

import json
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.errors import DomainError
from annotations.models import Dataset
from layouts.chestxray14 import DATA_ENTRY
from learning.services.qc.evaluation import SPLITS, evaluate_qc_dataset
from ml.detectors.evaluation import format_evaluation
from ml.nets.errors import ModelError


class Command(BaseCommand):
    help = "Inject known distortions into real films, run QC as a user would, print recall and false flags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--folder", required=True, help="a ChestX-ray14 folder (Data_Entry_2017.csv, images/)"
        )
        parser.add_argument("--split", default="all", choices=SPLITS)
        parser.add_argument("--slug", default="qc-evaluation")
        parser.add_argument("--limit", type=int, default=None, help="at most this many original films")
        parser.add_argument("--keep", action="store_true", help="keep the evaluation dataset")
        parser.add_argument("--json", default=None, help="also write the figures as JSON (- for stdout)")

    def handle(self, *args, **opts) -> None:
        folder = Path(opts["folder"])
        if not (folder / DATA_ENTRY).is_file():
            raise CommandError(f"{folder} is not a ChestX-ray14 folder (no {DATA_ENTRY})")
        try:
            with tempfile.TemporaryDirectory(prefix="qc-eval-") as tmp:
                report = evaluate_qc_dataset(
                    folder,
                    Path(tmp),
                    slug=opts["slug"],
                    split=opts["split"],
                    limit=opts["limit"],
                    log=self.stdout.write,
                )
        except (DomainError, ModelError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if not opts["keep"]:
                Dataset.objects.filter(slug=opts["slug"]).delete()
        learned, baseline = report.pop("_learned"), report.pop("_baseline")
        out = self.stdout.write
        out(format_evaluation(learned, f"learned detector ({opts['split']} films)"))
        out(format_evaluation(baseline, "rule baseline, same films"))
        out("flags QC stored (films flagged by the flag that catches each distortion / films):")
        for tag, row in report["flags"].items():
            n = row["films"]
            fix = f", right fix {row['right_fix']}/{row['orientation_flagged']}" if "right_fix" in row else ""
            out(
                f"  {tag:<8} orientation {row['orientation_flagged']}/{n}, "
                f"inverted {row['inverted_flagged']}/{n}{fix}"
            )
        out(
            f"QC run: {report['films']} films in {report['qc_seconds']} s = "
            f"{report['qc_films_per_minute']} films/min "
            f"end to end; detector alone {report['detector_films_per_minute']} films/min"
        )
        verdict = "met" if report["passes"] else "NOT met"
        out(f"issue #15 targets (recall >= 99 %, false flags <= 0.5 % per distortion): {verdict}")
        if opts["json"]:
            text = json.dumps(report, indent=1, default=str)
            if opts["json"] == "-":
                out(text)
            else:
                Path(opts["json"]).write_text(text + "\n")
