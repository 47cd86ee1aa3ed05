"""Write a synthetic cohort (DICOMs, PNG/JPEG in the public data sets' layouts, reports, ground truth)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from synthetic.cohort import CohortConfig, generate_cohort


class Command(BaseCommand):
    help = "Generate a deterministic synthetic cohort in the published layouts (ground truth kept apart)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--cxr-patients", type=int, default=None)
        parser.add_argument("--oct-patients", type=int, default=None)
        parser.add_argument("--pediatric", type=int, default=None)
        parser.add_argument("--image-size", type=int, default=None)

    def handle(self, *args, **opts) -> None:
        overrides = {
            "n_cxr_patients": opts["cxr_patients"],
            "n_oct_patients": opts["oct_patients"],
            "n_pediatric": opts["pediatric"],
            "image_size": opts["image_size"],
        }
        config = CohortConfig(seed=opts["seed"], **{k: v for k, v in overrides.items() if v is not None})
        manifest = generate_cohort(opts["out"], config)
        counts = ", ".join(f"{k} {v}" for k, v in manifest.counts.items())
        self.stdout.write(f"synthetic cohort (seed {config.seed}) written to {opts['out']}: {counts}")
