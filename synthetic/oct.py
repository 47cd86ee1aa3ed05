"""Synthetic retinal OCT B-scans in the four Kermany et al. (2018) classes.

A B-scan is drawn column by column from layer boundary depths (vectorised over the whole image):
vitreous, nerve fibre layer, ganglion cell / inner plexiform / inner nuclear / outer plexiform /
outer nuclear layers, external limiting membrane, ellipsoid zone, RPE and choroid, with a foveal
pit. CNV lifts the RPE with a hyper-reflective lesion and subretinal fluid, DME thickens the retina
and fills it with dark cysts, DRUSEN puts dome-shaped bumps under the RPE. Speckle noise is
multiplicative, as in real OCT.
"""

from __future__ import annotations

import numpy as np

from layouts.label_schemas import OCT_CLASSES
from synthetic._shapes import blur, ellipse, smooth_noise
from synthetic.cxr import MAX_SIZE, MIN_SIZE
from synthetic.errors import SyntheticDataError

# (name, reflectivity, thickness in image-height units); the foveal pit thins the inner layers.
_LAYERS: tuple[tuple[str, float, float], ...] = (
    ("NFL", 0.78, 0.022),
    ("GCL", 0.38, 0.03),
    ("IPL", 0.58, 0.022),
    ("INL", 0.24, 0.024),
    ("OPL", 0.56, 0.014),
    ("ONL", 0.14, 0.05),
    ("ELM", 0.42, 0.005),
    ("IS", 0.22, 0.014),
    ("EZ", 0.85, 0.008),
    ("OS", 0.3, 0.014),
)
_INNER = ("NFL", "GCL", "IPL", "INL", "OPL")


def render_oct(rng: np.random.Generator, label: str, *, size: int = 256) -> np.ndarray:
    """Render one OCT B-scan (float32 in [0, 1], shape (size, size)) of class ``label``."""
    if label not in OCT_CLASSES:
        raise SyntheticDataError(f"OCT label must be one of {OCT_CLASSES}, got {label!r}")
    if not isinstance(size, int | np.integer) or not MIN_SIZE <= int(size) <= MAX_SIZE:
        raise SyntheticDataError(f"size must be an integer in [{MIN_SIZE}, {MAX_SIZE}], got {size!r}")
    size = int(size)
    cols = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    depth = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None]

    fovea = rng.uniform(-0.15, 0.15)
    top = rng.uniform(0.28, 0.4) + rng.uniform(0.05, 0.12) * cols**2 + rng.uniform(-0.06, 0.06) * cols
    pit_depth = rng.uniform(0.045, 0.065)
    pit_width = rng.uniform(0.12, 0.18)
    pit = np.exp(-(((cols - fovea) / pit_width) ** 2))
    thick_scale = rng.uniform(0.9, 1.1)

    thickening = np.zeros_like(cols)
    if label == "DME":
        thickening = rng.uniform(0.04, 0.09) * np.exp(-(((cols - fovea) / rng.uniform(0.3, 0.5)) ** 2))
        pit_depth *= rng.uniform(0.0, 0.3)

    # boundaries: the outer retina (ONL down to the RPE) stays level; the ILM dips into the foveal
    # pit, the inner layers thin to almost nothing there and the ONL fills the difference.
    thickness = {name: np.full_like(cols, t * thick_scale) for name, _refl, t in _LAYERS}
    for name in _INNER:
        thickness[name] = thickness[name] * (1.0 - 0.85 * pit)
    thickness["INL"] = thickness["INL"] + thickening * 0.4
    normal_total = sum(t * thick_scale for _n, _r, t in _LAYERS)
    rpe_top = top + normal_total + thickening
    ilm = top + pit_depth * pit
    others = sum(thickness[name] for name, _r, _t in _LAYERS if name != "ONL")
    thickness["ONL"] = np.maximum(rpe_top - ilm - others, 0.01)
    bounds = [ilm]
    current = ilm.copy()
    for name, _refl, _t in _LAYERS:
        current = current + thickness[name]
        bounds.append(current)
    rpe_top = current.copy()
    bruch = rpe_top + 0.022  # Bruch's membrane stays where the RPE would normally sit

    elevation = np.zeros_like(cols)
    sub_material = np.zeros_like(cols)  # thickness of material under the lifted RPE
    fluid = np.zeros_like(cols)  # subretinal fluid between photoreceptors and RPE
    if label == "DRUSEN":
        for _ in range(int(rng.integers(3, 8))):
            c = fovea + rng.uniform(-0.6, 0.6)
            w = rng.uniform(0.04, 0.08)
            h = rng.uniform(0.025, 0.055)
            elevation = np.maximum(elevation, h * np.clip(1.0 - ((cols - c) / w) ** 2, 0.0, None) ** 0.7)
        sub_material = elevation
    elif label == "CNV":
        c = fovea + rng.uniform(-0.15, 0.15)
        w = rng.uniform(0.15, 0.28)
        h = rng.uniform(0.05, 0.1)
        elevation = h * np.clip(1.0 - ((cols - c) / w) ** 2, 0.0, None) ** 0.6
        sub_material = elevation
        fw = w * rng.uniform(1.1, 1.6)
        fluid = rng.uniform(0.02, 0.05) * np.clip(1.0 - ((cols - c) / fw) ** 2, 0.0, None) ** 0.8

    lift = elevation + fluid
    image = np.full((size, size), 0.03, dtype=np.float32)
    layer_refl = [refl for _n, refl, _t in _LAYERS]
    for k, refl in enumerate(layer_refl):  # the whole neurosensory retina rides on the lift
        upper, lower = bounds[k] - lift, bounds[k + 1] - lift
        inside = (depth >= upper[None, :]) & (depth < lower[None, :])
        image = np.where(inside, refl, image)
    rpe_lifted_top = rpe_top - elevation
    rpe = (depth >= rpe_lifted_top[None, :]) & (depth < (rpe_lifted_top + 0.02)[None, :])
    fluid_zone = (
        (depth >= (rpe_top - lift)[None, :]) & (depth < rpe_lifted_top[None, :]) & (fluid[None, :] > 0.002)
    )
    under = (
        (depth >= (rpe_lifted_top + 0.02)[None, :])
        & (depth < (bruch + 0.004)[None, :])
        & (sub_material[None, :] > 0.002)
    )
    choroid = depth >= bruch[None, :]
    choroid_tex = 0.45 + 0.15 * smooth_noise(rng, size, 0.15)
    fade = np.clip(1.0 - (depth - bruch[None, :]) / 0.25, 0.0, 1.0)
    image = np.where(choroid, choroid_tex * fade + 0.05, image)
    image = np.where(under, 0.5 if label == "DRUSEN" else 0.62, image)
    image = np.where(rpe, 0.97, image)
    image = np.where(fluid_zone, 0.04, image)
    bruch_line = (depth >= bruch[None, :]) & (depth < (bruch + 0.005)[None, :])
    image = np.where(bruch_line & (sub_material[None, :] > 0.002), 0.8, image)

    if label == "DME":
        x = cols[None, :]
        for _ in range(int(rng.integers(3, 9))):
            c = fovea + rng.uniform(-0.35, 0.35)
            k = int(np.argmin(np.abs(cols - c)))
            y_top, y_bot = float(bounds[3][k]), float(bounds[6][k])
            cy = rng.uniform(y_top + 0.01, max(y_bot - 0.01, y_top + 0.011))
            rx, ry = rng.uniform(0.025, 0.06), rng.uniform(0.012, 0.03)
            cyst = ellipse(x, depth, c, cy, rx, ry * 2.0, edge=0.01)
            image = image * (1.0 - cyst) + 0.03 * cyst
        for _ in range(int(rng.integers(0, 4))):  # hard exudates
            c = fovea + rng.uniform(-0.4, 0.4)
            k = int(np.argmin(np.abs(cols - c)))
            dot = ellipse(x, depth, c, float(bounds[5][k]), 0.012, 0.012, edge=0.005)
            image = np.maximum(image, 0.9 * dot)

    image = blur(image, rng.uniform(0.6, 1.0))
    speckle = rng.gamma(4.0, 0.25, size=(size, size)).astype(np.float32)
    image = image * (0.55 + 0.45 * speckle) + np.float32(rng.uniform(0.01, 0.03)) * rng.standard_normal(
        (size, size), dtype=np.float32
    )
    image = image * rng.uniform(0.85, 1.1)
    return np.clip(image, 0.0, 1.0).astype(np.float32)
