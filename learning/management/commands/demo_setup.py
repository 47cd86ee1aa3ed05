"""Set up the demo: a synthetic cohort imported into datasets, demo users with roles, a reading queue.

Idempotent: running it again imports nothing new and keeps the users.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from annotations.ingest.registry import run_importer
from annotations.models.choices import Modality, Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from annotations.services.datasets.protocol_presets import DEFAULT_PRESET
from annotations.services.datasets.schemas import schemas_ensure_all

DEMO_PASSWORD = "arbiter-demo"
DEMO_USERS = [
    ("admin", True, [Role.ADMIN]),
    ("rad1", False, [Role.RADIOLOGIST]),
    ("rad2", False, [Role.RADIOLOGIST]),
    ("rad3", False, [Role.RADIOLOGIST, Role.ADJUDICATOR]),
    # An adjudicator who never reads: rad3 reads items too, and may not decide an item they read,
    # so without adj1 a case that goes to the adjudicator could wait forever.
    ("adj1", False, [Role.ADJUDICATOR]),
]
# (dataset slug, name, modality, schema, [(importer, relative path)])
DEMO_DATASETS = [
    (
        "cxr-dicom",
        "Chest X-rays (DICOM)",
        Modality.CHEST_XRAY,
        "chestxray14",
        [("dicom", "dicom"), ("reports", "reports.csv")],
    ),
    (
        "chestxray14",
        "ChestX-ray14 layout",
        Modality.CHEST_XRAY,
        "chestxray14",
        [("chestxray14", "chestxray14"), ("reports", "chestxray14/reports.csv"), ("google4", "google4")],
    ),
    ("oct", "Retinal OCT (Kermany layout)", Modality.OCT, "oct4", [("kermany", "OCT2017")]),
]


class Command(BaseCommand):
    help = "Generate and import the synthetic demo cohort and create the demo users (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cohort", type=Path, default=None, help="where the cohort lives (default var/cohort)"
        )
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **opts) -> None:
        cohort = opts["cohort"] or Path(settings.VAR_DIR) / "cohort"
        if not (cohort / "ground_truth").exists():
            call_command("make_synthetic", str(cohort), seed=opts["seed"], stdout=self.stdout)
        schemas_ensure_all()
        User = get_user_model()
        users = {}
        for username, staff, _ in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": staff, "is_superuser": staff}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            users[username] = user
        for slug, name, modality, schema, imports in DEMO_DATASETS:
            dataset, created = dataset_get_or_create(
                slug=slug, name=name, modality=modality, schema_key=schema, preset=DEFAULT_PRESET
            )
            for username, _, roles in DEMO_USERS:
                for role in roles:
                    membership_grant(dataset=dataset, user=users[username], role=role)
            # A second `make run` skips re-reading a cohort this dataset already imported (seconds).
            stamp = Path(settings.VAR_DIR) / "demo-imported" / slug
            mark = f"{cohort.resolve()}:{(cohort / 'ground_truth').stat().st_mtime_ns}"
            if not created and stamp.is_file() and stamp.read_text() == mark:
                self.stdout.write(f"{slug}: already imported from {cohort}")
            else:
                for importer, rel in imports:
                    path = cohort / rel
                    if not path.exists():
                        continue
                    summary = run_importer(importer, dataset, [path])
                    self.stdout.write(f"{slug}: {importer}: {summary.describe()}")
                stamp.parent.mkdir(parents=True, exist_ok=True)
                stamp.write_text(mark)
            self.after_import(dataset)

    def after_import(self, dataset) -> None:
        """Hook for later stages (NLP labelling, reading queue); see learning.services.demo."""
        try:
            from learning.services.demo import demo_prepare_dataset
        except ImportError:
            return
        demo_prepare_dataset(dataset, stdout=self.stdout)
