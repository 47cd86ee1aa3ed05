"""Agreement statistics: Fleiss' kappa against Fleiss' published worked example, Cohen's kappa
against the formula by hand, and the endpoint over a protocol run with NLP and model labels."""

import pytest

from annotations.models import Label
from annotations.selectors.kappa import agreement, cohen_kappa, fleiss_kappa
from tests.annotations.reading.conftest import enqueue, labels, make_images, next_task, submit

# Wikipedia's "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories, kappa = 0.210.
WIKIPEDIA_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_matches_the_published_worked_example():
    assert round(fleiss_kappa(WIKIPEDIA_TABLE), 3) == 0.210


def test_fleiss_kappa_edges():
    assert fleiss_kappa([[3, 0], [0, 3]]) == pytest.approx(1.0)
    assert fleiss_kappa([[3, 0], [3, 0]]) is None  # every rating the same category: undefined
    assert fleiss_kappa([]) is None
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa([[2, 1], [1, 1]])
    with pytest.raises(ValueError, match="two ratings"):
        fleiss_kappa([[1, 0]])


def test_cohen_kappa_is_the_textbook_formula():
    a = ["pos", "pos", "neg", "neg", "pos", "neg", "unc", "pos"]
    b = ["pos", "neg", "neg", "neg", "pos", "unc", "unc", "pos"]
    n = len(a)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pe = sum((a.count(c) / n) * (b.count(c) / n) for c in set(a) | set(b))
    assert cohen_kappa(a, b) == pytest.approx((po - pe) / (1 - pe))
    assert agreement(a, b) == po
    assert cohen_kappa(["neg"] * 4, ["neg"] * 4) is None
    assert cohen_kappa([], []) is None


def test_agreement_endpoint_over_a_protocol_run(make_team):
    team = make_team("google4", max_adjudication_rounds=0, tie_rule="majority")
    a, b, c = team.readers
    images = make_images(team.dataset, 4)
    enqueue(team, images)
    # Pneumothorax as read by A, B, C on the four images (everything else negative for everyone).
    plan = [("positive", "positive", "positive"), ("negative", "positive", "negative"),
            ("positive", "negative", "positive"), ("negative", "negative", "negative")]  # fmt: skip
    order = {}
    for reader_index, reader in enumerate((a, b, c)):
        for _ in images:
            task = next_task(team, reader)
            image_id = task["item"]["image"]["id"]
            order.setdefault(image_id, len(order))
            value = plan[order[image_id]][reader_index]
            submit(team, reader, task["read"]["id"], {"labels": labels(team.dataset, Pneumothorax=value)})
    final = {image_id: max(set(plan[i]), key=plan[i].count) for image_id, i in order.items()}
    # NLP says positive on every image; the model agrees with the final label everywhere.
    for image in images:
        finding = team.dataset.schema.findings.get
        for key, value in (("Pneumothorax", "positive"), ("Fracture", "blank")):
            Label.objects.create(
                image=image, finding=finding(key=key), source="nlp", source_version="n1", value=value
            )
        Label.objects.create(
            image=image,
            finding=finding(key="Pneumothorax"),
            source="model",
            source_version="m1",
            value=final[image.pk],
            probability=0.5,
        )
    r = team.c(team.admin).get(f"/api/v1/datasets/{team.dataset.pk}/agreement/")
    assert r.status_code == 200, r.content
    stats = r.json()
    assert stats["items_done"] == 4 and stats["readers_per_item"] == 3 and stats["scope"] == "all"
    ptx = next(f for f in stats["findings"] if f["finding"] == "Pneumothorax")
    table = [[p.count(cat) for cat in ("positive", "negative", "uncertain")] for p in plan]
    assert ptx["fleiss_kappa"] == pytest.approx(fleiss_kappa(table)) and ptx["fleiss_items"] == 4
    by_index = {order[i]: i for i in order}
    column = {r: [plan[k][idx] for k in range(4)] for idx, r in enumerate((a.pk, b.pk, c.pk))}
    pair = next(p for p in ptx["pairwise"] if {p["reader_a"], p["reader_b"]} == {a.pk, b.pk})
    assert pair["n"] == 4 and pair["kappa"] == pytest.approx(cohen_kappa(column[a.pk], column[b.pk]))
    finals = [final[by_index[k]] for k in range(4)]
    b_row = next(row for row in ptx["readers"] if row["reader"] == b.pk)
    assert b_row["agreement"] == pytest.approx(agreement(column[b.pk], finals))
    assert ptx["nlp"]["n"] == 4 and ptx["nlp"]["agreement"] == pytest.approx(finals.count("positive") / 4)
    assert ptx["model"]["agreement"] == 1.0 and ptx["model"]["kappa"] == pytest.approx(1.0)
    fracture = next(f for f in stats["findings"] if f["finding"] == "Fracture")
    assert fracture["nlp"]["agreement"] == 1.0  # NLP "blank" counts as negative
    assert fracture["fleiss_kappa"] is None  # everyone always negative: undefined, not NaN
    # A radiologist sees the figures of the findings and their own row only.
    mine = team.c(c).get(f"/api/v1/datasets/{team.dataset.pk}/agreement/").json()
    assert mine["scope"] == "self" and [row["reader"] for row in mine["readers"]] == [c.pk]
    assert all(f["pairwise"] == [] for f in mine["findings"])
