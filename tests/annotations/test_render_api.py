"""Rendering over the API from full bit depth: windows, MONOCHROME1, rescale, sizes, caching, access."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from annotations.ingest.dicom import import_dicom
from annotations.models import Image
from tests.imaging import factory


def dicom_linear_window(x: np.ndarray, c: float, w: float) -> np.ndarray:
    """DICOM PS3.3 C.11.2.1.2.1 linear VOI function to [0, 255], written out independently."""
    lo, hi = c - 0.5 - (w - 1) / 2, c - 0.5 + (w - 1) / 2
    y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255
    return np.where(x <= lo, 0, np.where(x > hi, 255, y))


def imported(dataset, tmp_path: Path, data: bytes) -> Image:
    path = tmp_path / "img.dcm"
    path.write_bytes(data)
    summary = import_dicom(dataset, [path])
    assert summary.created == 1, summary.errors
    return Image.objects.latest("id")


def png_pixels(body: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(body)).convert("L")).astype(float)


def test_render_applies_rescale_then_window_at_full_bit_depth(admin_client, dataset, tmp_path):
    stored = factory.gradient(seed=3)
    image = imported(dataset, tmp_path, factory.dicom_bytes(stored, slope=2.0, intercept=-1000.0))
    r = admin_client.get(f"/api/v1/images/{image.pk}/render/", {"wc": 1500, "ww": 3000})
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    expected = dicom_linear_window(stored * 2.0 - 1000.0, 1500, 3000)
    assert np.abs(png_pixels(r.content) - expected).max() <= 1.0


def test_monochrome1_renders_inverted_for_display(admin_client, dataset, tmp_path):
    stored = factory.gradient(seed=5)
    image = imported(dataset, tmp_path, factory.dicom_bytes(stored, photometric="MONOCHROME1"))
    r = admin_client.get(f"/api/v1/images/{image.pk}/render/", {"wc": 2048, "ww": 4096})
    expected = 255 - dicom_linear_window(stored.astype(float), 2048, 4096)
    got = png_pixels(r.content)
    assert np.abs(got - expected).max() <= 1.0
    # Low stored values (dense in MONOCHROME1) are bright.
    assert got.flat[0] > 250 and got.flat[-1] < 5


def test_render_size_format_and_cache(admin_client, dataset, tmp_path, settings):
    image = imported(dataset, tmp_path, factory.dicom_bytes(factory.gradient(rows=64, cols=128, seed=7)))
    r = admin_client.get(f"/api/v1/images/{image.pk}/render/", {"size": 32, "format": "webp"})
    assert r["Content-Type"] == "image/webp"
    assert PILImage.open(io.BytesIO(r.content)).size == (32, 16)
    cached = list(Path(settings.ARBITER_RENDER_CACHE_DIR).rglob("*.webp"))
    assert len(cached) == 1
    # A second request is served from the cache file, byte for byte.
    r2 = admin_client.get(f"/api/v1/images/{image.pk}/render/", {"size": 32, "format": "webp"})
    assert r2.content == r.content == cached[0].read_bytes()
    thumb = admin_client.get(f"/api/v1/images/{image.pk}/thumbnail/")
    assert thumb["Content-Type"] == "image/webp" and max(PILImage.open(io.BytesIO(thumb.content)).size) == 128


@pytest.mark.parametrize(
    "query,field",
    [
        ({"ww": 100}, "both"),
        ({"wc": 1, "ww": -5}, "ww"),
        ({"size": 100000}, "size"),
        ({"format": "gif"}, "format"),
    ],
)
def test_bad_render_parameters_get_a_clear_json_error(admin_client, dataset, tmp_path, query, field):
    image = imported(dataset, tmp_path, factory.dicom_bytes(factory.gradient(seed=8)))
    r = admin_client.get(f"/api/v1/images/{image.pk}/render/", query)
    assert r.status_code == 400
    body = r.json()["error"]
    assert body["message"]
    assert field in str(body).lower() or (field == "both" and "centre" in body["message"])


def test_images_of_other_datasets_are_not_found(make_user, dataset, tmp_path):
    from rest_framework.test import APIClient

    image = imported(dataset, tmp_path, factory.dicom_bytes(factory.gradient(seed=9)))
    outsider = APIClient()
    outsider.force_authenticate(make_user("outsider"))
    for url in (
        f"/api/v1/images/{image.pk}/",
        f"/api/v1/images/{image.pk}/render/",
        f"/api/v1/images/{image.pk}/thumbnail/",
        f"/api/v1/datasets/{dataset.pk}/",
    ):
        r = outsider.get(url)
        assert r.status_code == 404, url
        assert r.json()["error"]["code"] == "not_found"
        assert image.pixel_checksum not in r.content.decode()


def test_unknown_api_paths_answer_json_404(admin_client):
    r = admin_client.get("/api/v1/final-labels/1.5/")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
