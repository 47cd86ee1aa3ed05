"""manage.py evaluate_retrieval on a small adjudicated set."""

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from annotations.models.choices import WorkState
from tests.retrieval import factory as f


def run(*args) -> str:
    out = StringIO()
    call_command("evaluate_retrieval", *args, stdout=out)
    return out.getvalue()


def test_precision_per_finding_against_random(ds, mv):
    rng = np.random.default_rng(5)
    centres = rng.standard_normal((3, 12))
    kinds = [{"Pneumothorax": "positive"}, {"Fracture": "positive"}, {"Pneumothorax": "negative"}]
    for c in range(3):
        for _ in range(8):
            f.case(ds, mv, centres[c] + 0.1 * rng.standard_normal(12), kinds[c])
    # Not in the pool: an item in adjudication and an unlabelled image.
    pending = f.image(ds)
    f.embed(pending, mv, centres[0])
    f.finalise(pending, {"Fracture": "positive"})
    f.queue(pending, WorkState.ADJUDICATING)
    report = json.loads(run("--dataset", ds.slug, "--k", "5", "--json", "-", "--seed", "3"))
    assert report["items"] == 24 and report["queries"] == 24 and report["model_version"] == "chexnet-v1"
    by = {x["finding"]: x for x in report["findings"]}
    assert by["Pneumothorax"]["queries"] == 8 and by["Pneumothorax"]["precision"] == 1.0
    assert by["Fracture"]["precision"] == 1.0
    assert by["Pneumothorax"]["random_precision"] < 0.6 and by["Pneumothorax"]["lift"] > 1.5
    assert by["Nodule or mass"]["queries"] == 0 and by["Nodule or mass"]["precision"] is None
    table = run("--dataset", str(ds.pk), "--k", "5")
    assert "P@5" in table and "Pneumothorax" in table and "24 adjudicated images" in table


def test_clear_errors(ds, mv):
    with pytest.raises(CommandError, match="no dataset"):
        run("--dataset", "nope")
    with pytest.raises(CommandError, match="nothing to evaluate"):
        run("--dataset", ds.slug)
    with pytest.raises(CommandError, match="No such model version"):
        run("--dataset", ds.slug, "--model-version", "999999")
    with pytest.raises(CommandError, match="--k"):
        run("--dataset", ds.slug, "--k", "0")
