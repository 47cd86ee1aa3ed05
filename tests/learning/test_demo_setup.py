"""The demo's users and datasets (demo_setup on an already generated, here empty, cohort): Google's
preset, and an adjudicator who reads nothing, so a case the readers could not settle can be decided."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotations.models import Dataset, DatasetMembership
from annotations.models.choices import Role
from annotations.selectors.stuck_cases import stuck_cases
from annotations.services.datasets.protocol_presets import preset_matching


def test_demo_datasets_follow_google_and_have_an_adjudicator_who_does_not_read(db, tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    (tmp_path / "ground_truth").mkdir()  # an existing cohort: nothing is generated, nothing imported
    call_command("demo_setup", "--cohort", str(tmp_path), stdout=io.StringIO())
    datasets = list(Dataset.objects.all())
    assert datasets and all(preset_matching(d) == "google" for d in datasets)
    adj1 = get_user_model().objects.get(username="adj1")
    for dataset in datasets:
        roles = set(
            DatasetMembership.objects.filter(dataset=dataset, user=adj1).values_list("role", flat=True)
        )
        assert roles == {Role.ADJUDICATOR}
        readers = DatasetMembership.objects.filter(dataset=dataset, role=Role.RADIOLOGIST).count()
        assert readers == dataset.readers_per_item  # every radiologist reads every item ...
        assert stuck_cases(dataset).adjudicators == 2  # ... and adj1 can still decide (rad3 cannot)
