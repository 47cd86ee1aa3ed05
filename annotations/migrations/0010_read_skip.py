# A reader's skip of an item with its reason (issue #17.5).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0009_privacy_pseudonyms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReadSkip",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("non_diagnostic", "Image not diagnostic (quality, artefact, cropped)"),
                            ("wrong_image", "Wrong body part, view or patient"),
                            ("outside_expertise", "Outside my expertise"),
                            (
                                "conflict",
                                "Conflict of interest (I know the patient, or read the film clinically)",
                            ),
                            ("other", "Other (say why)"),
                        ],
                        max_length=20,
                    ),
                ),
                ("note", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "image",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="skips",
                        to="annotations.image",
                    ),
                ),
                (
                    "reader",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="skips",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("image", "reader"), name="readskip_once_per_reader"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("reason", "other"), _negated=True),
                            models.Q(("note", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="readskip_other_says_why",
                    ),
                ],
            },
        ),
    ]
