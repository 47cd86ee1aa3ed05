"""`manage.py label_reports`: label a CSV of reports, writing the CheXpert labeler's CSV convention.

    python manage.py label_reports --input reports.csv --output labels.csv \
        [--schema chexpert|chestxray14|google4] [--text-column NAME] [--flag Implant] [--processes 2]

Input without --text-column is read like the CheXpert labeler's: no header, report in the first
column. Output: `Reports` then one column per finding, 1.0 / 0.0 / -1.0 / blank. Uses no models.
"""

import sys
from collections import deque
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ml.nlp.chexpert_csv import read_reports, write_labels
from ml.nlp.errors import NLPError
from ml.nlp.labeler import ENGINES, ReportLabeler
from ml.nlp.phrases import FLAGS


class Command(BaseCommand):
    help = "Label report texts from a CSV; writes Reports + one 1.0/0.0/-1.0/blank column per finding."
    # No system checks: they import every URL module (and with it torch), which took most of a
    # short run's 9-13 s start-up; labelling reports needs neither the URLs nor the models.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path, help="CSV of reports")
        parser.add_argument("--output", required=True, help="labels CSV to write ('-' for stdout)")
        parser.add_argument("--schema", default="chexpert", choices=["chexpert", "chestxray14", "google4"])
        parser.add_argument(
            "--text-column",
            default=None,
            help="header name of the report column (default: no header, 1st column)",
        )
        parser.add_argument("--flag", action="append", default=[], choices=FLAGS, help="add a flag column")
        parser.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
        parser.add_argument("--batch-size", type=int, default=512)
        parser.add_argument("--engine", default="fast", choices=ENGINES)

    def handle(self, *args, **opts) -> None:
        if not opts["input"].is_file():
            raise CommandError(f"input file {opts['input']} does not exist")
        if opts["processes"] < 1:
            raise CommandError("--processes must be at least 1")
        try:
            labeler = ReportLabeler(opts["schema"], flags=tuple(opts["flag"]), engine=opts["engine"])
            texts = read_reports(opts["input"], opts["text_column"])
            first = next(texts, None)  # surfaces a missing column before the output is created
        except NLPError as exc:
            raise CommandError(str(exc)) from exc
        reports = [] if first is None else _chain(first, texts)
        to_stdout = opts["output"] == "-"
        done = errors = truncated = 0
        with ExitStack() as stack:
            if to_stdout:
                handle = self.stdout._out
            else:
                try:
                    handle = stack.enter_context(Path(opts["output"]).open("w", encoding="utf-8", newline=""))
                except OSError as exc:
                    raise CommandError(f"cannot write {opts['output']}: {exc.strerror or exc}") from exc
            progress = stack.enter_context(
                tqdm(desc="label reports", unit="report", file=sys.stderr, disable=None)
            )
            try:
                pairs = _with_texts(reports, labeler, opts["batch_size"], opts["processes"])
                for labels in write_labels(handle, labeler.findings, pairs):
                    done += 1
                    errors += labels.error is not None
                    truncated += labels.truncated
                    progress.update()
            except NLPError as exc:
                raise CommandError(str(exc)) from exc
        summary = f"labelled {done} reports with {labeler.version}"
        if errors:
            summary += f"; {errors} could not be labelled (blank rows)"
        if truncated:
            summary += f"; {truncated} longer than the labeler reads were truncated"
        (self.stderr if to_stdout else self.stdout).write(summary)


def _chain(first, rest):
    yield first
    yield from rest


def _with_texts(reports, labeler: ReportLabeler, batch_size: int, processes: int):
    """(text, labels) pairs in order; the texts are kept only until their labels come back."""
    pending: deque[str] = deque()

    def feed():
        for text in reports:
            pending.append(text)
            yield text

    for labels in labeler.label_many(feed(), batch_size=batch_size, n_process=processes):
        yield pending.popleft(), labels
