"""QC's suggested fixes: `fix` applies each flag's own fix (rotate back, mirror back, invert back) to the
derived image in one call, all or nothing; corrections compose in order; stored pixels never change."""

import numpy as np

from annotations.models import Image, QCFlag
from annotations.selectors.qc_flags import compose_corrections, image_display_correction
from learning.bridge.images import apply_correction, input_key
from ml.detectors.dihedral import N_ORIENTATIONS, apply_np, fix_for
from tests.annotations.reading.conftest import make_images


def detector_flag(image, kind: str, fix: dict, p: float = 0.9) -> QCFlag:
    return QCFlag.objects.create(
        image=image, kind=kind, probability=p, source_version="orientation-v1", detail={"fix": fix}
    )


def test_fix_applies_each_flags_own_fix_and_leaves_the_file_alone(make_team):
    team = make_team("google4")
    images = make_images(team.dataset, 3)
    before = list(Image.objects.filter(dataset=team.dataset).values_list("file", "pixel_checksum"))
    flags = [
        detector_flag(images[0], "rotated", fix_for(1).to_dict()),
        detector_flag(images[1], "flipped", fix_for(6).to_dict()),
        detector_flag(images[2], "inverted", {"rotate": 0, "flip": False, "invert": True}),
    ]
    url = f"/api/v1/datasets/{team.dataset.pk}/qc-flags/resolve/"
    r = team.c(team.admin).post(url, {"flag_ids": [f.pk for f in flags], "action": "fix"})
    assert r.status_code == 200 and r.json()["resolved"] == 3
    assert image_display_correction(images[0].pk) == {"rotate": 90, "flip": False, "invert": False}
    assert image_display_correction(images[1].pk) == {"rotate": 180, "flip": True, "invert": False}
    assert image_display_correction(images[2].pk) == {"rotate": 0, "flip": False, "invert": True}
    assert all(QCFlag.objects.get(pk=f.pk).status == "corrected" for f in flags)
    assert list(Image.objects.filter(dataset=team.dataset).values_list("file", "pixel_checksum")) == before
    # the derived model input changes with the fix: its own cache key, the film upright again
    assert input_key(images[1], image_display_correction(images[1].pk)).endswith("+r180f")
    film = np.random.default_rng(0).random((6, 6)).astype(np.float32)
    assert np.array_equal(apply_correction(apply_np(film, 6), image_display_correction(images[1].pk)), film)


def test_fix_is_refused_for_flags_without_one_and_touches_nothing(make_team):
    team = make_team("google4")
    images = make_images(team.dataset, 2)
    good = detector_flag(images[0], "rotated", fix_for(2).to_dict())
    rule = QCFlag.objects.create(image=images[1], kind="pediatric", probability=1.0, source_version="rule")
    url = f"/api/v1/datasets/{team.dataset.pk}/qc-flags/resolve/"
    client = team.c(team.admin)
    r = client.post(url, {"flag_ids": [good.pk, rule.pk], "action": "fix"})
    assert r.status_code == 400 and r.json()["error"]["detail"]["no_fix"] == [rule.pk]
    assert QCFlag.objects.filter(status="open").count() == 2
    r = client.post(url, {"flag_ids": [good.pk], "action": "fix", "rotate": 90})
    assert r.status_code == 400
    r = client.post(url, {"flag_ids": [rule.pk], "action": "correct", "flip": True})
    assert r.status_code == 200
    assert image_display_correction(images[1].pk) == {"rotate": 0, "flip": True, "invert": False}


def test_corrections_compose_in_order_as_the_group_does():
    film = np.arange(25, dtype=np.float32).reshape(5, 5) / 25
    for g in range(N_ORIENTATIONS):
        for h in range(N_ORIENTATIONS):
            # a film distorted by g then h is brought back by h's fix then g's fix
            twice = apply_np(apply_np(film, g), h)
            fixes = [fix_for(h).to_dict(), fix_for(g).to_dict()]
            assert np.array_equal(apply_correction(twice, compose_corrections(fixes)), film), (g, h)
