# The PACS sync of a source is a Job too (issue #19): heartbeat, cancel, reaper.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0012_qc_flipped_orientation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="job",
            name="kind",
            field=models.CharField(
                choices=[
                    ("import", "Import"),
                    ("nlp", "NLP labelling"),
                    ("scoring", "Model scoring"),
                    ("qc", "Bad-image detection"),
                    ("ranking", "Ranking"),
                    ("export", "Export"),
                    ("index", "Similar-case index build"),
                    ("pacs", "PACS sync"),
                ],
                max_length=12,
            ),
        ),
    ]
