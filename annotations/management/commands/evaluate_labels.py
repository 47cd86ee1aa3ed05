"""`manage.py evaluate_labels`: score a labels CSV against a gold CSV of the same shape.

    python manage.py evaluate_labels --gold gold.csv --predicted labels.csv [--finding NAME ...]

Prints, per finding, precision / recall / F1 for positive, negative and uncertain mentions and
their macro averages (as the CheXpert and CheXbert papers report them). Uses no models.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mlworker.ml.nlp.chexpert_csv import read_labels
from mlworker.ml.nlp.errors import NLPError
from mlworker.ml.nlp.evaluation import evaluate


class Command(BaseCommand):
    help = "Score predicted labels against gold labels (CheXpert CSV convention): P/R/F1 per class."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gold", required=True, type=Path, help="gold labels CSV")
        parser.add_argument("--predicted", required=True, type=Path, help="predicted labels CSV")
        parser.add_argument(
            "--finding", action="append", default=None, help="score only this finding (repeatable)"
        )

    def handle(self, *args, **opts) -> None:
        for key in ("gold", "predicted"):
            if not opts[key].is_file():
                raise CommandError(f"--{key} file {opts[key]} does not exist")
        try:
            gold = read_labels(opts["gold"], opts["finding"])
            predicted = read_labels(opts["predicted"], gold.findings)
            if len(gold.rows) != len(predicted.rows):
                raise CommandError(
                    f"{opts['gold']} has {len(gold.rows)} reports but {opts['predicted']} has "
                    f"{len(predicted.rows)}; both must list the same reports in the same order"
                )
            if gold.texts is not None and predicted.texts is not None:
                for line, (a, b) in enumerate(zip(gold.texts, predicted.texts, strict=True), start=2):
                    if a.strip() != b.strip():
                        raise CommandError(
                            f"report on line {line} differs between the files; they must list the same "
                            "reports in the same order"
                        )
            result = evaluate(gold.rows, predicted.rows, gold.findings)
        except NLPError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.format())
