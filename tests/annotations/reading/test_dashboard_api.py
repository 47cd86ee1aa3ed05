"""The dataset dashboard (issue #17.6): counts of images and items (never labels), kappa per finding,
per-reader progress and speed; admins only."""

from annotations.models import QCFlag
from annotations.services.labels import LabelInput, labels_put
from tests.annotations.reading.conftest import claim, enqueue, labels, make_images, submit


def test_dashboard_counts_images_and_items_not_labels(make_team):
    team = make_team(readers=3, readers_per_item=2)
    images = make_images(team.dataset, 6)
    # NLP labels on two images: 4 labels each, counted as 2 images ("Items 28" counted labels).
    for image in images[:2]:
        values = {f.key: LabelInput("negative") for f in team.dataset.schema.findings.all()}
        labels_put(image=image, schema=team.dataset.schema, source="nlp", source_version="t", labels=values)
    QCFlag.objects.create(image=images[5], kind="rotated", status="open", probability=0.9)
    enqueue(team, images[:5])
    a, b, c = team.readers
    # Two readers agree on the first item (final); the third reads the second item once.
    for reader in (a, b):
        t = claim(team, reader)
        submit(team, reader, t["read"]["id"], {"labels": labels(team.dataset), "duration_ms": 4000})
    t = claim(team, c)
    submit(team, c, t["read"]["id"], {"labels": labels(team.dataset), "duration_ms": 8000})

    r = team.c(team.admin).get(f"/api/v1/datasets/{team.dataset.pk}/dashboard/")
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["films"] == 6 and d["nlp_labelled"] == 2 and d["qc_held"] == 1 and d["not_queued"] == 1
    counts = {
        k: d[k] for k in ("queued", "read_once", "read_twice", "read_thrice", "in_adjudication", "final")
    }
    assert counts == {
        "queued": 3,
        "read_once": 1,
        "read_twice": 0,
        "read_thrice": 0,
        "in_adjudication": 0,
        "final": 1,
    }
    assert {row["username"]: (row["first_reads"], row["last_hour"]) for row in d["readers"]} == {
        a.username: (1, 1),
        b.username: (1, 1),
        c.username: (1, 1),
    }
    speeds = {row["username"]: row["median_seconds"] for row in d["readers"]}
    assert speeds[c.username] == 8.0
    assert [k["finding"] for k in d["kappa"]] == [f["finding"] for f in labels(team.dataset)]
    # Readers may not see it.
    assert team.c(a).get(f"/api/v1/datasets/{team.dataset.pk}/dashboard/").status_code == 403
