"""The QC grid applies each flag's suggested fix in one key press, in a real browser: what was
detected and the fix are shown per cell, `f` corrects the derived image (the model input turns back
upright) and the stored file keeps its bytes."""

import hashlib

import numpy as np
import pytest

from annotations.models import QCFlag
from annotations.models.choices import Role
from annotations.selectors.qc_flags import image_display_correction
from learning.bridge.images import apply_correction
from ml.detectors.dihedral import DISTORTIONS, apply_np, fix_for
from tests.e2e.data import cxr_dataset, import_images, user_with_role

pytestmark = pytest.mark.e2e


def detector_flag(image, kind: str, element: int | None, p: float) -> QCFlag:
    if element is None:  # inverted
        detail = {"fix": {"rotate": 0, "flip": False, "invert": True}, "fix_label": "invert grey levels"}
    else:
        fix = fix_for(element)
        detail = {"predicted": f"element {element}", "fix": fix.to_dict(), "fix_label": fix.label}
    return QCFlag.objects.create(
        image=image, kind=kind, probability=p, source_version="orientation-v1", detail=detail
    )


def digest(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_qc_grid_fixes_every_selected_flag_with_one_key(browser, make_user, tmp_path):
    dataset = cxr_dataset(slug="qc-fix-e2e")
    images = import_images(dataset, tmp_path / "dicoms", n=3, size=128)
    stored = {im.pk: digest(im.file.path) for im in images}
    rot = detector_flag(images[0], "rotated", DISTORTIONS["rot90"], 0.97)
    flip = detector_flag(images[1], "flipped", DISTORTIONS["hflip"], 0.93)
    inv = detector_flag(images[2], "inverted", None, 0.91)
    user_with_role(make_user, dataset, "qcfix", Role.ADMIN)

    r = browser.run("qcfix", user="qcfix", dataset=dataset.id)

    assert r["errors"] == []
    assert r["shown"] == 3
    assert sorted(r["fixes"]) == [
        "element 1\nfix: rotate 90° clockwise",
        "element 4\nfix: mirror left-right",
        "fix: invert grey levels",
    ]
    assert any("fix: mirror left-right" in label for label in r["labels"])
    assert sorted(r["previews"]) == sorted(["rotate(90deg)|", "scaleX(-1)|", "|invert(1)"])
    assert "3 flags resolved" in r["status"]
    for flag, want in ((rot, fix_for(1)), (flip, fix_for(4))):
        flag.refresh_from_db()
        assert flag.status == "corrected"
        assert flag.correction == want.to_dict()
    inv.refresh_from_db()
    assert inv.status == "corrected" and inv.correction == {"rotate": 0, "flip": False, "invert": True}
    # the derived image is the fixed one: a film turned 90° CCW comes back upright
    film = np.arange(16, dtype=np.float32).reshape(4, 4) / 16
    turned = apply_np(film, DISTORTIONS["rot90"])
    assert np.array_equal(apply_correction(turned, image_display_correction(images[0].pk)), film)
    mirrored = apply_np(film, DISTORTIONS["hflip"])
    assert np.array_equal(apply_correction(mirrored, image_display_correction(images[1].pk)), film)
    # the stored pixels are untouched
    for im in images:
        im.refresh_from_db()
        assert digest(im.file.path) == stored[im.pk]
