# Google's protocol preset (issue #13.6): a dataset can require definite (present / absent) final labels.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0007_job_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="dataset",
            name="definite_final_labels",
            field=models.BooleanField(default=False),
        ),
    ]
