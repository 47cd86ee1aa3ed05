"""TrainingRun, ModelVersion, Prediction and RankingScore move to the learning app (state only)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0013_job_kind_pacs"),
    ]

    # State only: the tables stay where they are (the models keep `annotations_*` as db_table), so an
    # existing database changes nothing; only Django's idea of which app owns them moves (issue #14).
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="rankingscore",
                    name="model_version",
                ),
                migrations.RemoveField(
                    model_name="prediction",
                    name="model_version",
                ),
                migrations.RemoveField(
                    model_name="prediction",
                    name="image",
                ),
                migrations.RemoveField(
                    model_name="rankingscore",
                    name="dataset",
                ),
                migrations.RemoveField(
                    model_name="rankingscore",
                    name="image",
                ),
                migrations.RemoveField(
                    model_name="trainingrun",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="trainingrun",
                    name="dataset",
                ),
                migrations.DeleteModel(
                    name="ModelVersion",
                ),
                migrations.DeleteModel(
                    name="Prediction",
                ),
                migrations.DeleteModel(
                    name="RankingScore",
                ),
                migrations.DeleteModel(
                    name="TrainingRun",
                ),
            ],
        ),
    ]
