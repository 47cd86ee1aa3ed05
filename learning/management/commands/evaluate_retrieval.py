"""`manage.py evaluate_retrieval`: retrieval precision@k of the final labels on the adjudicated set.

    python manage.py evaluate_retrieval --dataset SLUG [--model-version ID] [--k 10]
                                        [--max-queries N] [--seed 0] [--json PATH|-]

Every published (adjudicated) image with an embedding of the model version (default: the
dataset's production embedding model) queries the others for its k nearest by cosine similarity,
never from its own patient. Per finding, over the queries positive for it: the share of their
neighbours positive too (does a neighbour share the finding?), beside the same figure for k
random neighbours drawn in the same run under the same exclusions, and their ratio (lift).
"""

import json
import math
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.errors import DomainError
from annotations.models import Dataset
from learning.selectors.similar import evaluation_pool, retrieval_model_version
from ml.retrieval import RetrievalError, evaluate_retrieval


def _fmt(v: float) -> str:
    return "   -" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


class Command(BaseCommand):
    help = "Retrieval precision@k per finding on the adjudicated set, against random neighbours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", required=True, help="dataset slug or id")
        parser.add_argument("--model-version", type=int, default=None, help="model version id")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--max-queries", type=int, default=None, help="a seeded sample of queries")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", default=None, help="also write the figures as JSON (- for stdout)")

    def handle(self, *args, **opts) -> None:
        ref = opts["dataset"]
        dataset = Dataset.objects.filter(slug=ref).first() or (
            Dataset.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
        )
        if dataset is None:
            raise CommandError(f"no dataset with slug or id {ref!r}")
        if opts["k"] < 1:
            raise CommandError("--k must be at least 1")
        if opts["max_queries"] is not None and opts["max_queries"] < 1:
            raise CommandError("--max-queries must be at least 1")
        try:
            mv = retrieval_model_version(dataset, opts["model_version"])
            pool = evaluation_pool(dataset, mv)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        if pool.image_ids.size < 2 or len(set(pool.groups.tolist())) < 2:
            raise CommandError(
                f"{dataset.slug} has {pool.image_ids.size} adjudicated images with {mv.version_tag} "
                "embeddings (from fewer than two patients): nothing to evaluate yet"
            )
        try:
            result = evaluate_retrieval(
                pool.vectors,
                pool.positive,
                pool.groups,
                pool.findings,
                k=opts["k"],
                max_queries=opts["max_queries"],
                seed=opts["seed"],
            )
        except RetrievalError as exc:
            raise CommandError(str(exc)) from exc
        report = result.as_dict() | {"dataset": dataset.slug, "model_version": mv.version_tag}
        if opts["json"] == "-":
            self.stdout.write(json.dumps(report, indent=1))
            return
        if opts["json"]:
            Path(opts["json"]).write_text(json.dumps(report, indent=1))
        k = result.k
        self.stdout.write(
            f"{dataset.slug} / {mv.version_tag}: {result.items} adjudicated images, "
            f"{result.queries} queries, k={k} (same-patient neighbours excluded)"
        )
        self.stdout.write(f"{'finding':<28}{'queries':>8}{'prev':>8}{f'P@{k}':>8}{'random':>8}{'lift':>8}")
        for f in result.findings:
            self.stdout.write(
                f"{f.finding:<28}{f.queries:>8}{_fmt(f.prevalence):>8}{_fmt(f.precision):>8}"
                f"{_fmt(f.random_precision):>8}{_fmt(f.lift):>8}"
            )
        self.stdout.write(
            f"{'macro (findings with queries)':<44}{_fmt(result.macro_precision):>8}"
            f"{_fmt(result.macro_random_precision):>8}"
        )
