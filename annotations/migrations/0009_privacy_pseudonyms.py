"""Privacy (issue #18): the admin-only identity mapping, the date-shift policy, the burned-in QC
kind, and existing rows moved to keyed pseudonyms.

The data step replaces every stored patient id, accession number, study/SOP instance UID (and the
PACS sync table's study UIDs) with the keyed pseudonym a new import would give, recording the
originals in the mapping, so re-importing the same files still finds them. Patients keep their
split. Values that already are pseudonyms (present in the mapping) are left alone, so the step is
safe to run twice. Stored report texts and DICOM files are not rewritten here (docs/privacy.md).
"""

from django.db import migrations, models


def _pseudonymise(apps, schema_editor) -> None:
    from annotations.services.privacy.identity import pseudonymiser

    ps = pseudonymiser()
    Mapping = apps.get_model("annotations", "IdentityMapping")
    known = set(Mapping.objects.values_list("pseudonym", flat=True))
    pairs: list[tuple[str, str, str]] = []

    def swap(model: str, field: str, kind: str, make) -> None:
        Model = apps.get_model("annotations", model)
        for pk, value in (
            Model.objects.exclude(**{f"{field}__isnull": True})
            .exclude(**{field: ""})
            .values_list("pk", field)
        ):
            if value in known:
                continue
            new = make(value)
            pairs.append((kind, new, value))
            Model.objects.filter(pk=pk).update(**{field: new})

    swap("Patient", "pseudo_id", "patient_id", ps.patient_id)
    swap("Study", "study_instance_uid", "uid", ps.uid)
    swap("Study", "accession_number", "accession", ps.accession)
    swap("Image", "sop_instance_uid", "uid", ps.uid)
    swap("PacsStudySync", "study_instance_uid", "uid", ps.uid)
    Mapping.objects.bulk_create(
        [Mapping(kind=k, pseudonym=p, original=o[:256]) for k, p, o in pairs], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0008_dataset_definite_final_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="dataset",
            name="shift_dates",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="qcflag",
            name="kind",
            field=models.CharField(
                choices=[
                    ("rotated", "Rotated"),
                    ("inverted", "Inverted"),
                    ("non_frontal", "Not a frontal view"),
                    ("wrong_body_part", "Wrong body part"),
                    ("pediatric", "Pediatric patient"),
                    ("burned_in", "May carry burned-in text"),
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="IdentityMapping",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=20)),
                ("pseudonym", models.CharField(max_length=64)),
                ("original", models.CharField(max_length=256)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "pseudonym"), name="identitymapping_unique_pseudonym"
                    )
                ],
            },
        ),
        migrations.RunPython(_pseudonymise, migrations.RunPython.noop),
    ]
