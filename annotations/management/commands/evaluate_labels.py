"""`manage.py evaluate_labels`: score labels against a gold standard.

    python manage.py evaluate_labels --gold gold.csv --predicted labels.csv [--finding NAME ...]
    python manage.py evaluate_labels --reports reports_with_gold.csv [--schema chestxray14] \
        [--part all|development|held-aside] [--text-column NAME] [--no-baseline] [--errors 50]

With --gold/--predicted: per finding, precision / recall / F1 for positive, negative and uncertain
mentions and their macro averages (as the CheXpert and CheXbert papers report them).
With --reports: a report CSV that carries its own gold (a report column or the Open-i sections;
binary or 1/0/-1 gold) is labelled here and scored on presence -- per finding P/R/F1, macro over
the coded findings, micro -- with the confusion list (evidence span and rule of every error) and
the same figures for the naive medspacy baseline run in the same process. Uses no models.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layouts.label_schemas import SCHEMAS
from ml.nlp.chexpert_csv import read_labels
from ml.nlp.errors import NLPError
from ml.nlp.evaluation import evaluate


class Command(BaseCommand):
    help = "Score predicted labels against gold labels (CheXpert CSV convention): P/R/F1 per class."
    # No system checks: they import every URL module (and with it torch), which took most of a
    # short run's 9-13 s start-up; labelling reports needs neither the URLs nor the models.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gold", type=Path, help="gold labels CSV")
        parser.add_argument("--predicted", type=Path, help="predicted labels CSV")
        parser.add_argument(
            "--finding", action="append", default=None, help="score only this finding (repeatable)"
        )
        parser.add_argument("--reports", type=Path, help="report CSV with gold columns: label and score it")
        parser.add_argument("--schema", default="chestxray14", choices=["chestxray14", "chexpert", "google4"])
        parser.add_argument("--text-column", default=None, help="the report column")
        parser.add_argument("--part", default="all", choices=["all", "development", "held-aside"])
        parser.add_argument("--no-baseline", action="store_true", help="skip the naive medspacy baseline")
        parser.add_argument("--errors", type=int, default=50, help="errors listed (0: all)")

    def handle(self, *args, **opts) -> None:
        if opts["reports"] is not None:
            if opts["gold"] or opts["predicted"]:
                raise CommandError("give either --reports or --gold with --predicted, not both")
            self._reports(opts)
            return
        if opts["gold"] is None or opts["predicted"] is None:
            raise CommandError("give --reports, or --gold with --predicted")
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

    def _reports(self, opts: dict) -> None:
        from ml.nlp.report_evaluation import evaluate_report_csv

        if not opts["reports"].is_file():
            raise CommandError(f"--reports file {opts['reports']} does not exist")
        if opts["schema"] not in SCHEMAS:
            raise CommandError(f"unknown schema {opts['schema']!r}")
        try:
            result = evaluate_report_csv(
                opts["reports"],
                opts["schema"],
                text_column=opts["text_column"],
                part=opts["part"],
                baseline=not opts["no_baseline"],
            )
        except NLPError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.format(max_errors=opts["errors"] or None))
