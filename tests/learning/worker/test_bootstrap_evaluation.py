"""The demo's first model comes with a test evaluation that has both classes (issue #17.7): the
console's ROC curves and AUROC table have something to show on first visit."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from learning.models import ModelVersion
from learning.selectors.registry import roc_curves


@pytest.mark.parametrize("which", ["nih", "oct_dataset"])
def test_first_model_has_roc_curves_on_a_held_out_patient_split(which, request, eager_celery, make_user):
    dataset = request.getfixturevalue(which)
    call_command("train_initial_models", dataset=dataset.slug, epochs=1)
    mv = ModelVersion.objects.get(dataset=dataset)
    m = mv.metrics
    assert m["task"] == ("multi_label" if which == "nih" else "single_choice")
    assert m["n_test"] >= 1 and m["n_train"] + m["n_val"] + m["n_test"] <= dataset.images.count()
    curves = roc_curves(mv)
    assert curves, "no finding or class with both classes in the test part"
    for c in curves:
        assert 0.0 <= c["auroc"] <= 1.0 and c["fpr"][0] == 0.0 and c["tpr"][-1] == 1.0
    assert m["summary"]["macro_auroc"] is not None
    # The console reads them over the API.
    admin = make_user("boss", staff=True)
    client = APIClient()
    client.force_authenticate(admin)
    body = client.get(f"/api/v1/model-versions/{mv.pk}/roc/").json()
    assert [c["name"] for c in body["curves"]] == [c["name"] for c in curves]
