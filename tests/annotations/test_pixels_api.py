"""Full-bit-depth pixels for the browser's viewer and the window presets, over the API (issue #17.3/4)."""

import numpy as np

from tests.annotations.test_render_api import imported
from tests.imaging import factory


def _decode(r) -> np.ndarray:
    rows, cols = int(r["X-Arbiter-Rows"]), int(r["X-Arbiter-Cols"])
    q = np.frombuffer(r.content, dtype="<u2").reshape(rows, cols)
    return float(r["X-Arbiter-Intercept"]) + float(r["X-Arbiter-Slope"]) * q.astype(np.float64)


def test_pixels_travel_exactly_in_modality_units(admin_client, dataset, tmp_path):
    stored = factory.gradient(rows=40, cols=56, seed=2)
    image = imported(dataset, tmp_path, factory.dicom_bytes(stored, slope=2.0, intercept=-1000.0))
    r = admin_client.get(f"/api/v1/images/{image.pk}/pixels/")
    assert r.status_code == 200 and r["Content-Type"] == "application/octet-stream"
    assert len(r.content) == 40 * 56 * 2
    assert np.array_equal(_decode(r), stored * 2.0 - 1000.0)


def test_pixels_of_a_ct_keep_hounsfield_units_and_a_smaller_size_keeps_the_averages(
    admin_client, dataset, tmp_path
):
    hu = np.full((64, 96), -1000, dtype=np.int16)
    hu[16:48, 24:72] = 40
    hu[30:34, 40:44] = 1200
    data = factory.dicom_bytes(
        (hu + 1024).astype(np.uint16), modality="CT", bits_stored=16, intercept=-1024.0
    )
    image = imported(dataset, tmp_path, data)
    full = _decode(admin_client.get(f"/api/v1/images/{image.pk}/pixels/", {"size": 4096}))
    assert np.array_equal(full, hu)  # never upscaled: the stored size, exact
    small = admin_client.get(f"/api/v1/images/{image.pk}/pixels/", {"size": 48})
    assert (int(small["X-Arbiter-Rows"]), int(small["X-Arbiter-Cols"])) == (32, 48)
    box = hu.astype(float).reshape(32, 2, 48, 2).mean(axis=(1, 3))
    step = float(small["X-Arbiter-Slope"])
    assert np.abs(_decode(small) - box).max() <= step / 2 + 1e-6 and step < 0.05


def test_windows_lists_presets_in_real_units(admin_client, dataset, tmp_path):
    hu = np.full((64, 64), 1024 - 1000, dtype=np.uint16)
    hu[10:50, 10:50] = 1024 + 40
    ct = imported(
        dataset, tmp_path, factory.dicom_bytes(hu, modality="CT", bits_stored=16, intercept=-1024.0)
    )
    body = admin_client.get(f"/api/v1/images/{ct.pk}/windows/").json()
    assert body["units"] == "HU" and body["photometric"] == "MONOCHROME2" and body["voi_lut"] is None
    lung = next(p for p in body["presets"] if p["key"] == "lung")
    assert (lung["center"], lung["width"], lung["source"]) == (-600.0, 1500.0, "hu")


def test_windows_ship_the_files_voi_lut_and_mono1_presets(admin_client, dataset, tmp_path):
    table = np.linspace(0, 255, 4096).astype(np.uint16)
    stored = factory.gradient(rows=32, cols=32, seed=4)
    data = factory.dicom_bytes(stored, photometric="MONOCHROME1", modality="CR", voi_lut=(0, 8, table))
    image = imported(dataset, tmp_path, data)
    body = admin_client.get(f"/api/v1/images/{image.pk}/windows/").json()
    assert body["photometric"] == "MONOCHROME1"
    assert body["voi_lut"]["first_mapped"] == 0 and body["voi_lut"]["table"][-1] == 255
    assert body["presets"][0]["label"] == "Default (file VOI LUT)"
    by = {p["key"]: p for p in body["presets"]}
    # MONOCHROME1: the lung window (low density) sits on HIGH stored values, the bone window on low ones.
    assert by["lung"]["center"] > by["bone"]["center"]


def test_pixels_refuse_bad_sizes_and_strangers(admin_client, client, dataset, tmp_path):
    image = imported(dataset, tmp_path, factory.dicom_bytes(factory.gradient(seed=1)))
    r = admin_client.get(f"/api/v1/images/{image.pk}/pixels/", {"size": 2})
    assert r.status_code == 400 and "size" in r.content.decode()
    assert client.get(f"/api/v1/images/{image.pk}/pixels/").status_code == 401
    assert client.get(f"/api/v1/images/{image.pk}/windows/").status_code == 401


def _with(ds_bytes: bytes, **tags) -> bytes:
    import io

    import pydicom

    ds = pydicom.dcmread(io.BytesIO(ds_bytes))
    for keyword, value in tags.items():
        setattr(ds, keyword, value)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def test_windows_give_the_spacing_measurements_need(admin_client, dataset, tmp_path):
    """PixelSpacing first, else ImagerPixelSpacing, as (row, column) mm; a 0\\0 spacing (as some CR
    writers store it, like the real CR of the development data) or none means lengths in px."""
    cases = [
        ({"PixelSpacing": [0.2, 0.25], "ImagerPixelSpacing": [0.3, 0.3]}, [0.2, 0.25], "PixelSpacing"),
        ({"ImagerPixelSpacing": [0.143, 0.143]}, [0.143, 0.143], "ImagerPixelSpacing"),
        ({"PixelSpacing": [0, 0]}, None, ""),
        ({}, None, ""),
    ]
    for seed, (tags, spacing, source) in enumerate(cases):
        stored = factory.gradient(rows=30, cols=50, seed=10 + seed)
        (tmp_path / str(seed)).mkdir()
        image = imported(dataset, tmp_path / str(seed), _with(factory.dicom_bytes(stored), **tags))
        body = admin_client.get(f"/api/v1/images/{image.pk}/windows/").json()
        assert (body["pixel_spacing"], body["spacing_source"]) == (spacing, source), tags
        assert (body["rows"], body["cols"]) == (30, 50)
