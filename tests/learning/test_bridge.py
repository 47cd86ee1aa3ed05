"""learning.bridge owns the row <-> array conversions: what scoring stores, ranking reads back in
the labels' order; label matrices hold the latest stored value and the current final label."""

import numpy as np
import pytest

from annotations.models.choices import LabelSource
from annotations.services.labels import LabelInput, expert_labels_import, labels_put
from learning.bridge.embeddings import embeddings_of
from learning.bridge.labels import final_label_matrix, single_choice_classes, stored_label_matrix
from learning.bridge.predictions import PredictionsMismatchError, prediction_arrays
from learning.services.models.weights import model_version_register
from learning.services.scoring.predictions import predictions_store
from tests.annotations.reading.conftest import make_images

F = ("Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass")


def test_stored_predictions_come_back_as_arrays_in_the_order_asked(team):
    images = make_images(team.dataset, 3)
    ids = [im.pk for im in images]
    mv = model_version_register(
        dataset=team.dataset,
        kind="chexnet",
        write=lambda p: p.write_bytes(b"weights"),
        spec={"labels": list(F), "multilabel": True},
    )
    probs = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 0.05, 0.15, 0.25]])
    emb = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    predictions_store(model_version=mv, image_ids=ids[::-1], probs=probs, embeddings=emb)

    back = prediction_arrays(mv, team.dataset, F[::-1])
    assert back.ids == ids  # image id order, whatever order they were stored in
    np.testing.assert_allclose(back.probs, probs[::-1][:, ::-1], atol=1e-6)  # labels' order
    np.testing.assert_array_equal(back.embeddings, emb[::-1])
    got_ids, vectors = embeddings_of(mv)
    assert got_ids.tolist() == ids and np.array_equal(vectors, emb[::-1])
    with pytest.raises(PredictionsMismatchError):
        prediction_arrays(mv, team.dataset, (*F, "Cardiomegaly"))


def test_label_matrices_hold_the_latest_value_and_the_current_final_label(team):
    a, b = make_images(team.dataset, 2)
    index = {a.pk: 0, b.pk: 1}
    for version, value in (("nlp-1", "positive"), ("nlp-2", "uncertain")):
        labels_put(
            image=a,
            schema=team.dataset.schema,
            source=LabelSource.NLP,
            source_version=version,
            labels={"Fracture": LabelInput(value)},
        )
    nlp = stored_label_matrix(team.dataset, index, F, sources=(LabelSource.NLP,))
    assert nlp[0, 0] == -1.0  # the newer pipeline's value wins
    assert np.isnan(nlp[0, 1:]).all() and np.isnan(nlp[1]).all()  # blank stays blank

    expert_labels_import(image=b, schema=team.dataset.schema, values=dict.fromkeys(F, "negative"), reason="t")
    adj, label_ids = final_label_matrix(team.dataset, index, F)
    assert np.isnan(adj[0]).all() and (adj[1] == 0.0).all() and len(label_ids) == len(F)


def test_single_choice_classes_need_exactly_one_positive():
    m = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0], [np.nan, np.nan, np.nan]])
    assert single_choice_classes(m).tolist() == [0, 2, -1, -1]
