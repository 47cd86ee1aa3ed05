"""Window presets in real units: what a radiologist expects under the number keys of the viewer.

Presets are windows (centre, width) on the image's MODALITY values (``DecodedImage.pixels``), never
fractions of 2**BitsStored (those were black on real 16-bit CT/MR and 92 % white on a 15-bit
MONOCHROME1 CR). Which presets an image gets:

* its own VOI first: the VOI LUT or the first window ("default"), then every further Window
  Center/Width pair the file offers, with its explanation as the label;
* CT: Hounsfield-unit presets (the modality values of a CT are HU once Rescale Slope/Intercept are
  applied): lung, mediastinum, soft tissue, bone, brain;
* every other modality (CR, DX, MG, MR, US, PNG/JPEG): presets derived from the image's own pixel
  distribution, in *density* order (MONOCHROME1 stores dense tissue as low values), so that "lung"
  spreads the low-density part of the image and lets dense tissue go white, "bone" spreads the
  dense part, "soft tissue" the middle, "full" the whole body range.

Rendering applies MONOCHROME1 inversion after the window (``render.py``), so dense tissue stays
white under every preset: a preset never flips polarity.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from imaging.decoded import DecodedImage

__all__ = ["CT_PRESETS", "WindowPreset", "density_percentiles", "window_presets"]

# (key, label, centre, width) in Hounsfield units, the usual PACS/OHIF values.
CT_PRESETS: tuple[tuple[str, str, float, float], ...] = (
    ("lung", "Lung", -600.0, 1500.0),
    ("mediastinum", "Mediastinum", 50.0, 350.0),
    ("soft", "Soft tissue", 40.0, 400.0),
    ("bone", "Bone", 480.0, 2500.0),
    ("brain", "Brain", 40.0, 80.0),
)

# (key, label, low, high density percentile) of the body's pixels for projection images and MR.
DERIVED_PRESETS: tuple[tuple[str, str, float, float], ...] = (
    ("lung", "Lung", 8.0, 70.0),
    ("soft", "Soft tissue", 30.0, 98.0),
    ("bone", "Bone", 55.0, 99.8),
    ("full", "Full range", 0.5, 99.5),
)

_SAMPLE = 512  # percentiles on at most about 512 x 512 pixels (a strided view: no copy of the image)


@dataclass(frozen=True)
class WindowPreset:
    """A window in modality units. ``source``: 'file' (the image's own VOI), 'hu' or 'derived'."""

    key: str
    label: str
    center: float
    width: float
    source: str
    function: str = "LINEAR"

    def as_dict(self) -> dict:
        return asdict(self)


def _modality(img: DecodedImage) -> str:
    return (img.meta.modality if img.meta is not None else "").upper()


def _sample(pixels: np.ndarray) -> np.ndarray:
    step = max(1, int(max(pixels.shape) // _SAMPLE))
    return np.asarray(pixels[::step, ::step], dtype=np.float32).ravel()


def density_percentiles(img: DecodedImage, qs: list[float]) -> list[float]:
    """Modality values at the given percentiles of *density* over the body's pixels.

    Density rises with the value for MONOCHROME2 and falls with it for MONOCHROME1. Pixels at the
    image's extreme values (collimator blades, unattenuated beam, padding) are left out when they
    are not the whole image.
    """
    values = _sample(img.pixels)
    lo, hi = float(values.min()), float(values.max())
    body = values[(values > lo) & (values < hi)]
    if body.size >= max(16, values.size // 20):
        values = body
    if img.inverted_polarity:  # density percentile q is value percentile 100 - q
        return [float(v) for v in np.percentile(values, [100.0 - q for q in qs])]
    return [float(v) for v in np.percentile(values, qs)]


def _window(a: float, b: float) -> tuple[float, float]:
    """LINEAR (centre, width) mapping the lower of a, b to black and the higher to white."""
    lo, hi = min(a, b), max(a, b)
    width = max(hi - lo + 1.0, 2.0)
    return (lo + hi + 1.0) / 2.0, width


def _file_presets(img: DecodedImage) -> list[WindowPreset]:
    c, w = img.default_window
    label = "Default (file VOI LUT)" if img.voi_lut is not None else "Default (file window)"
    if img.voi_lut is None and (img.meta is None or not img.meta.windows):
        label = "Default"
    out = [WindowPreset("default", label, float(c), float(w), "file", img.voi_function)]
    windows = img.meta.windows if img.meta is not None else ()
    first = 0 if img.voi_lut is not None else 1  # the first window is already the default
    for i, (wc, ww, note) in enumerate(windows[first:], start=first + 1):
        out.append(WindowPreset(f"file-{i}", note or f"File window {i}", float(wc), float(ww), "file"))
    return out


def window_presets(img: DecodedImage) -> list[WindowPreset]:
    """The image's presets, its own VOI first (see the module docstring)."""
    presets = _file_presets(img)
    if _modality(img) == "CT":
        presets += [WindowPreset(k, label, c, w, "hu") for k, label, c, w in CT_PRESETS]
        return presets
    bounds = [q for _, _, lo, hi in DERIVED_PRESETS for q in (lo, hi)]
    values = density_percentiles(img, bounds)
    for i, (key, label, _, _) in enumerate(DERIVED_PRESETS):
        c, w = _window(values[2 * i], values[2 * i + 1])
        presets.append(WindowPreset(key, label, c, w, "derived"))
    return presets
