"""Learning's tables, taken over from annotations (state only: learning.0001 after annotations.0014)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("trainingrun", "modelversion", "prediction", "rankingscore")


def _move_content_types(apps, schema_editor) -> None:
    """Existing content types (admin log, permissions) follow their models to the new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="learning", model=model).exists():
            ContentType.objects.filter(app_label="annotations", model=model).update(app_label="learning")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("annotations", "0014_move_learning_models"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # State only: the tables stay where they are (the models keep `annotations_*` as db_table), so an
    # existing database changes nothing; only Django's idea of which app owns them moves (issue #14).
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="TrainingRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("chexnet", "CheXNet (14 ChestX-ray14 findings)"),
                                    ("oct", "OCT classifier"),
                                    ("rotation", "Rotation detector"),
                                    ("inversion", "Inversion detector"),
                                    ("orientation", "Orientation and inversion detector"),
                                    ("view", "View / body-part classifier"),
                                ],
                                max_length=12,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="queued",
                                max_length=12,
                            ),
                        ),
                        ("config", models.JSONField(blank=True, default=dict)),
                        ("progress", models.JSONField(blank=True, default=dict)),
                        ("data_snapshot", models.JSONField(blank=True, default=dict)),
                        ("cancel_requested", models.BooleanField(default=False)),
                        ("task_id", models.CharField(blank=True, max_length=64)),
                        ("error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "dataset",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="training_runs",
                                to="annotations.dataset",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "annotations_trainingrun",
                    },
                ),
                migrations.CreateModel(
                    name="ModelVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("chexnet", "CheXNet (14 ChestX-ray14 findings)"),
                                    ("oct", "OCT classifier"),
                                    ("rotation", "Rotation detector"),
                                    ("inversion", "Inversion detector"),
                                    ("orientation", "Orientation and inversion detector"),
                                    ("view", "View / body-part classifier"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("number", models.PositiveIntegerField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("candidate", "Candidate"),
                                    ("production", "Production"),
                                    ("retired", "Retired"),
                                ],
                                default="candidate",
                                max_length=12,
                            ),
                        ),
                        ("spec", models.JSONField(blank=True, default=dict)),
                        ("metrics", models.JSONField(blank=True, default=dict)),
                        ("weights_path", models.CharField(max_length=400)),
                        ("weights_sha256", models.CharField(max_length=64)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("promoted_at", models.DateTimeField(blank=True, null=True)),
                        ("retired_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "dataset",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="model_versions",
                                to="annotations.dataset",
                            ),
                        ),
                        (
                            "previous_production",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="learning.modelversion",
                            ),
                        ),
                        (
                            "training_run",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="model_version",
                                to="learning.trainingrun",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "annotations_modelversion",
                    },
                ),
                migrations.CreateModel(
                    name="Prediction",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("probabilities", models.JSONField()),
                        ("embedding", models.BinaryField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "image",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="predictions",
                                to="annotations.image",
                            ),
                        ),
                        (
                            "model_version",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="predictions",
                                to="learning.modelversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "annotations_prediction",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("image", "model_version"), name="prediction_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="RankingScore",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("strategy", models.CharField(max_length=40)),
                        ("score", models.FloatField()),
                        ("computed_at", models.DateTimeField(auto_now=True)),
                        (
                            "dataset",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="annotations.dataset",
                            ),
                        ),
                        (
                            "image",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="ranking_scores",
                                to="annotations.image",
                            ),
                        ),
                        (
                            "model_version",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="ranking_scores",
                                to="learning.modelversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "annotations_rankingscore",
                        "indexes": [
                            models.Index(
                                fields=["dataset", "strategy", "-score"],
                                name="annotations_dataset_1f5b0b_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("model_version__isnull", False)),
                                fields=("image", "model_version", "strategy"),
                                name="rankingscore_unique",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("model_version__isnull", True)),
                                fields=("image", "strategy"),
                                name="rankingscore_unique_modelless",
                            ),
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="trainingrun",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status__in", ("queued", "running"))),
                        fields=("dataset", "kind"),
                        name="trainingrun_one_active_per_kind",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="modelversion",
                    constraint=models.UniqueConstraint(
                        fields=("dataset", "kind", "number"), name="modelversion_unique_number"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="modelversion",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status", "production")),
                        fields=("dataset", "kind"),
                        name="modelversion_one_production",
                    ),
                ),
            ],
        ),
        migrations.RunPython(_move_content_types, migrations.RunPython.noop),
    ]
