"""decode_raster: PNG/JPEG values, colour conversion, bombs refused before allocation, damaged files."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from imaging.errors import ImageTooLargeError, TruncatedFileError, UnreadableImageError
from imaging.raster import decode_raster
from imaging.render import to_display
from tests.imaging import factory as f

LIMIT = 10_000_000


def test_8_bit_png_keeps_values_and_displays_unchanged():
    px = f.gradient(30, 41, lo=0, hi=255).astype(np.uint8)
    img = decode_raster(f.png_bytes(px), max_pixels=LIMIT)
    np.testing.assert_array_equal(img.pixels, px)
    assert img.bits_stored == 8 and img.photometric == "MONOCHROME2" and img.meta is None
    np.testing.assert_array_equal(to_display(img), px)  # identity default window (128, 256)


def test_16_bit_png_keeps_full_depth_values():
    px = f.gradient(20, 25, lo=100, hi=60000)
    data = f.png_bytes(px)
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    img = decode_raster(data, max_pixels=LIMIT)
    np.testing.assert_array_equal(img.pixels, px)
    assert img.bits_stored == 16
    display = to_display(img)  # default window = min/max
    assert display[px == 100].max() == 0 and display[px == 60000].min() == 255


def test_rgb_png_becomes_pillow_luminance():
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, size=(12, 14, 3), dtype=np.uint8)
    img = decode_raster(f.png_bytes(rgb, mode="RGB"), max_pixels=LIMIT)
    want = np.asarray(Image.fromarray(rgb, mode="RGB").convert("L"))
    np.testing.assert_array_equal(img.pixels, want)


def test_rgba_and_palette_pngs():
    rgba = np.zeros((6, 6, 4), dtype=np.uint8)
    rgba[..., :3] = 200
    rgba[..., 3] = 17
    img = decode_raster(f.png_bytes(rgba, mode="RGBA"), max_pixels=LIMIT)
    assert np.all(img.pixels == 200)
    pal = Image.fromarray(np.full((5, 5), 90, dtype=np.uint8), mode="L").convert("P")
    buf = io.BytesIO()
    pal.save(buf, format="PNG")
    assert np.all(decode_raster(buf.getvalue(), max_pixels=LIMIT).pixels == 90)


def test_jpeg_decodes_like_pillow():
    px = f.gradient(32, 32, lo=0, hi=255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(px, mode="L").save(buf, format="JPEG", quality=95)
    img = decode_raster(buf.getvalue(), max_pixels=LIMIT)
    np.testing.assert_array_equal(img.pixels, np.asarray(Image.open(io.BytesIO(buf.getvalue()))))
    assert np.abs(img.pixels - px).mean() < 4


def test_png_bomb_is_refused_without_allocating():
    bomb = f.png_bomb(100_000, 100_000)  # 10 G pixels declared, < 100 bytes
    assert len(bomb) < 200
    tracemalloc.start()
    try:
        with pytest.raises(ImageTooLargeError, match="over the limit") as info:
            decode_raster(bomb, max_pixels=LIMIT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000
    assert info.value.code == "too_large"


def test_pillow_bomb_limit_is_mapped_too():
    # the caller's limit is generous; Pillow's own guard (2 x MAX_IMAGE_PIXELS) trips on open
    bomb = f.png_bomb(60_000, 60_000)
    with pytest.raises(ImageTooLargeError):
        decode_raster(bomb, max_pixels=10**12)


def test_pixel_limit_is_inclusive():
    px = np.zeros((10, 10), np.uint8)
    assert decode_raster(f.png_bytes(px), max_pixels=100).pixels.shape == (10, 10)
    with pytest.raises(ImageTooLargeError):
        decode_raster(f.png_bytes(px), max_pixels=99)


def test_truncated_png():
    rng = np.random.default_rng(0)
    data = f.png_bytes(rng.integers(0, 256, size=(64, 64), dtype=np.uint8))
    with pytest.raises(TruncatedFileError) as info:
        decode_raster(data[: len(data) // 2], max_pixels=LIMIT)
    assert info.value.code == "truncated"


def test_truncated_jpeg():
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, size=(64, 64), dtype=np.uint8), mode="L").save(buf, format="JPEG")
    data = buf.getvalue()
    with pytest.raises(TruncatedFileError):
        decode_raster(data[: len(data) // 2], max_pixels=LIMIT)


@pytest.mark.parametrize("data", [b"", b"not an image at all" * 10, b"\x89PNG\r\n\x1a\n" + b"\x00" * 30])
def test_unreadable_bytes(data):
    with pytest.raises(UnreadableImageError) as info:
        decode_raster(data, max_pixels=LIMIT)
    assert info.value.code == "unreadable"


def test_path_source(tmp_path):
    px = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = tmp_path / "x.png"
    path.write_bytes(f.png_bytes(px))
    np.testing.assert_array_equal(decode_raster(path, max_pixels=LIMIT).pixels, px)
