"""ReportLabeler: the public entry point -- report text in, labels with evidence out.

    labeler = ReportLabeler("chexpert")                 # or chestxray14, google4; flags=("Implant",)
    labels = labeler.label("FINDINGS: Small left effusion. No pneumothorax.")
    labels["Pleural Effusion"].value                    # "positive"
    labeler.version                                     # recorded with every label
    for labels in labeler.label_many(texts, n_process=2): ...

`engine="fast"` (default) and `engine="spacy"` give the same results (a test proves it on the
gold set); the spaCy one runs medspacy's components and is 10-30 times slower.
Bad input never stops a batch: bytes are decoded as UTF-8 with replacement characters, an empty
report gets all-blank labels, a report longer than `MAX_REPORT_CHARS` is read up to that length
(`truncated=True`), and a report that fails anyway comes back with `error` set and blank values.
"""

import hashlib
import logging
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from layouts.label_schemas import get_schema
from ml.nlp.aggregate import assemble
from ml.nlp.errors import NLPError, UnknownSchemaError
from ml.nlp.labels import ReportLabels
from ml.nlp.phrases import load_lexicon
from ml.nlp.rules import DEFAULT_RULE_FILES, load_context_rules
from ml.nlp.sections import DEFAULT_SECTIONS_FILE, SectionRules, Segmenter

CODE_VERSION = "1.0"
MAX_REPORT_CHARS = 2_000_000
ENGINES = ("fast", "spacy")

log = logging.getLogger(__name__)

ReportText = str | bytes | None


class ReportInputError(NLPError):
    """A report is neither text nor bytes."""


def _text_of(report: ReportText) -> str:
    if report is None:
        return ""
    if isinstance(report, bytes | bytearray):
        return bytes(report).decode("utf-8", errors="replace")
    if isinstance(report, str):
        return report
    raise ReportInputError(f"a report must be str or bytes, not {type(report).__name__}")


class ReportLabeler:
    """Labels reports for one schema (plus optional flags) with a fixed pipeline version."""

    def __init__(
        self,
        schema: str,
        phrases_dir: Path | None = None,
        *,
        flags: Sequence[str] = (),
        engine: str = "fast",
        rule_files: tuple[Path, ...] = DEFAULT_RULE_FILES,
        sections_file: Path = DEFAULT_SECTIONS_FILE,
    ) -> None:
        if engine not in ENGINES:
            raise UnknownSchemaError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
        self.schema = schema
        self._schema_def = get_schema(schema) if schema else None
        self.flags = tuple(flags)
        self.engine_name = engine
        self._init_args = (schema, phrases_dir, self.flags, engine, rule_files, sections_file)
        lexicon = load_lexicon(schema, phrases_dir, self.flags)
        rules = load_context_rules(rule_files)
        sections = SectionRules.load(sections_file)
        assert self._schema_def is not None
        self.findings: tuple[str, ...] = (*self._schema_def.findings, *self.flags)
        self._blank_values: tuple[str | None, ...] = (None,) * len(self.findings)
        digest = hashlib.sha256(
            "\0".join([CODE_VERSION, lexicon.digest, rules.digest, sections.source, *self.flags]).encode()
        ).hexdigest()
        self.version = f"arbiter-nlp-{CODE_VERSION}+{schema}.{digest[:12]}"
        segmenter = Segmenter(sections)
        if engine == "fast":
            from ml.nlp.engine_fast import FastEngine

            self._engine = FastEngine(lexicon, rules, segmenter)
        else:
            from ml.nlp.engine_spacy import SpacyEngine

            self._engine = SpacyEngine(lexicon, rules, segmenter)

    def blank(self, error: str | None = None, truncated: bool = False) -> ReportLabels:
        """All-blank labels (an empty report, or one that failed with `error`)."""
        return ReportLabels(
            self.schema, self.version, self.findings, self._blank_values, None, error, truncated
        )

    def label(self, report: ReportText) -> ReportLabels:
        """Label one report. Raises ReportInputError for a value that is not text."""
        text = _text_of(report)
        truncated = len(text) > MAX_REPORT_CHARS
        if truncated:
            text = text[:MAX_REPORT_CHARS]
        if not text.strip():
            return self.blank(truncated=truncated)
        analysis = self._engine.analyse(text)
        assert self._schema_def is not None
        values, evidence = assemble(text, analysis, self._schema_def, self.findings)
        return ReportLabels(self.schema, self.version, self.findings, values, evidence, None, truncated)

    def label_safe(self, report: ReportText) -> ReportLabels:
        """label(), but a failure gives blank labels with `error` set instead of an exception."""
        try:
            return self.label(report)
        except Exception as exc:  # one bad report must not stop a batch
            log.warning("report could not be labelled: %s", type(exc).__name__)
            return self.blank(error=f"{type(exc).__name__}: {exc}")

    def label_many(
        self, reports: Iterable[ReportText], *, batch_size: int = 512, n_process: int = 1
    ) -> Iterator[ReportLabels]:
        """Label reports in order, lazily; n_process > 1 spreads batches over worker processes."""
        if n_process <= 1:
            for report in reports:
                yield self.label_safe(report)
            return
        global _worker
        batches = _batched(reports, batch_size)
        if "fork" in multiprocessing.get_all_start_methods():
            # Forked workers inherit this labeler (its lexicon is built once, not once per worker).
            _worker = self
            pool = multiprocessing.get_context("fork").Pool(n_process)
        else:
            pool = multiprocessing.get_context().Pool(n_process, _init_worker, (self._init_args,))
        window = 2 * n_process  # batches in flight: bounded memory, results in input order
        with pool:
            in_flight: deque = deque()
            for batch in batches:
                in_flight.append(pool.apply_async(_label_batch, (batch,)))
                if len(in_flight) >= window:
                    yield from in_flight.popleft().get()
            while in_flight:
                yield from in_flight.popleft().get()


def _batched(items: Iterable[ReportText], size: int) -> Iterator[list[ReportText]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


_worker: ReportLabeler | None = None


def _init_worker(args: tuple) -> None:
    global _worker
    schema, phrases_dir, flags, engine, rule_files, sections_file = args
    _worker = ReportLabeler(
        schema, phrases_dir, flags=flags, engine=engine, rule_files=rule_files, sections_file=sections_file
    )


def _label_batch(batch: list[ReportText]) -> list[ReportLabels]:
    assert _worker is not None
    return [_worker.label_safe(report) for report in batch]
