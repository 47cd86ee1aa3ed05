"""Sign-in and the image viewer in a real browser: presets, drag, invert and reset change the render."""

import pytest

from annotations.models.choices import Role
from tests.e2e.conftest import BOTH_BROWSERS
from tests.e2e.data import cxr_dataset, import_images, user_with_role

pytestmark = pytest.mark.e2e


@BOTH_BROWSERS
def test_sign_in_then_viewer_window_presets_drag_invert_reset(browser, make_user, tmp_path):
    dataset = cxr_dataset()
    images = import_images(dataset, tmp_path / "dicoms", n=2, per_study=2)
    user_with_role(make_user, dataset, "reader1", Role.RADIOLOGIST)
    image = images[0]
    assert (image.bits_stored, image.window_center, image.window_width) == (12, 2048, 4096)

    r = browser.run("viewer", user="reader1", image=image.id)

    assert r["errors"] == []
    assert f"/api/v1/images/{image.id}/render/" in r["first"]
    assert "wc=" not in r["first"]  # the default view asks for the file's own window
    # Key 2 = the lung preset of a 12-bit CR: 0.3 and 0.5 of the 4096 range.
    assert "wc=1229&ww=2048" in r["lung"]
    assert "W 2048 / L 1229" in r["lungWindow"]
    # Dragging 50 px right and 25 px down from the bone preset (2867/1638), 4 units per pixel.
    assert "wc=2967&ww=1838" in r["dragged"]
    assert r["status"] == "image/png"
    # Rendering was debounced: far fewer requests than drag steps and key presses would make.
    # Counted per distinct view: showing a view again (reset, or the <img> after its preload) comes
    # from the browser's image cache, which Firefox reports as a request and Chromium does not.
    assert any("invert=1" in q for q in r["renders"])
    assert len(set(r["renders"])) <= 10
