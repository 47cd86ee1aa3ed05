"""Synthetic radiographs: frontal / lateral chest films with visible findings, and non-chest anatomy.

``render_cxr`` draws a density map (0 = air, 1 = dense bone) on a normalised grid and returns it in
the MONOCHROME2 convention (bright = dense). Anatomy varies with the generator (position, size,
inspiration, exposure, noise) and each ChestX-ray14 finding has a visible, localised signature
that a tiny CNN can learn. Rotation and inversion are *not* applied here: the cohort applies them
so the ground truth can say which images were altered.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from layouts.label_schemas import CXR14_FINDINGS
from synthetic._shapes import (
    band,
    blob,
    ellipse,
    ellipse_radius,
    grid,
    ramp,
    ridges,
    segment_distance,
    smooth_noise,
)
from synthetic.errors import SyntheticDataError

VIEWS: tuple[str, ...] = ("PA", "AP", "LATERAL")
BODY_PARTS: tuple[str, ...] = ("CHEST", "HAND", "KNEE", "ABDOMEN")
MIN_SIZE = 32
MAX_SIZE = 4096


def validate_findings(findings: Collection[str]) -> frozenset[str]:
    """Return the findings as a frozenset, raising SyntheticDataError on an unknown name."""
    found = frozenset(findings)
    unknown = sorted(found.difference(CXR14_FINDINGS))
    if unknown:
        raise SyntheticDataError(
            f"unknown finding(s) {unknown}; expected ChestX-ray14 names: {', '.join(CXR14_FINDINGS)}"
        )
    return found


def render_cxr(
    rng: np.random.Generator,
    findings: Collection[str],
    *,
    size: int = 256,
    view: str = "PA",
    body_part: str = "CHEST",
    pediatric: bool = False,
) -> np.ndarray:
    """Render one radiograph as float32 in [0, 1], shape (size, size), MONOCHROME2.

    ``findings`` are ChestX-ray14 names (see ``CXR14_FINDINGS``). They are drawn on frontal
    (PA/AP) and, more crudely, lateral chest views; non-chest anatomy (``body_part`` HAND, KNEE,
    ABDOMEN) has no chest to show them in and ignores them. ``pediatric`` gives a smaller thorax
    with a relatively larger heart and a thymic shadow.
    """
    found = validate_findings(findings)
    if not isinstance(size, int | np.integer) or not MIN_SIZE <= int(size) <= MAX_SIZE:
        raise SyntheticDataError(f"size must be an integer in [{MIN_SIZE}, {MAX_SIZE}], got {size!r}")
    if view not in VIEWS:
        raise SyntheticDataError(f"view must be one of {VIEWS}, got {view!r}")
    if body_part not in BODY_PARTS:
        raise SyntheticDataError(f"body_part must be one of {BODY_PARTS}, got {body_part!r}")
    size = int(size)
    streams = Streams.from_rng(rng)
    if body_part == "HAND":
        density = _hand(streams.anatomy, size)
    elif body_part == "KNEE":
        density = _knee(streams.anatomy, size)
    elif body_part == "ABDOMEN":
        density = _abdomen(streams.anatomy, size)
    elif view == "LATERAL":
        density = _lateral_chest(streams, found, size, pediatric)
    else:
        density = _frontal_chest(streams, found, size, ap=view == "AP", pediatric=pediatric)
    return _expose(streams.exposure, density, size)


@dataclass
class Streams:
    """Independent generators for anatomy, exposure and each finding.

    ``render_cxr`` takes a fixed number of draws from the caller's generator to seed them, so two
    renders from equal generator states share anatomy and exposure and differ only by the findings
    asked for: with / without a finding is a true counterfactual pair, and adding one finding
    never changes how another one looks.
    """

    anatomy: np.random.Generator
    exposure: np.random.Generator
    findings: dict[str, np.random.Generator]

    @classmethod
    def from_rng(cls, rng: np.random.Generator) -> Streams:
        seeds = rng.integers(0, 2**63 - 1, size=2 + len(CXR14_FINDINGS))
        return cls(
            anatomy=np.random.default_rng(int(seeds[0])),
            exposure=np.random.default_rng(int(seeds[1])),
            findings={
                f: np.random.default_rng(int(s)) for f, s in zip(CXR14_FINDINGS, seeds[2:], strict=True)
            },
        )


# --------------------------------------------------------------------------- helpers


def _expose(rng: np.random.Generator, density: np.ndarray, size: int) -> np.ndarray:
    """Film/detector response: gain, offset, gamma, a smooth heel-effect field and noise."""
    gain = rng.uniform(0.9, 1.12)
    offset = rng.uniform(-0.03, 0.05)
    gamma = rng.uniform(0.85, 1.15)
    heel = 0.035 * smooth_noise(rng, size, 0.015)
    sigma = rng.uniform(0.008, 0.022)
    image = np.clip(density * gain + offset + heel, 0.0, 1.0) ** gamma
    image = image + np.float32(sigma) * rng.standard_normal((size, size), dtype=np.float32)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def _pose(rng: np.random.Generator, size: int, scale: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Grid in body coordinates after a random shift, small tilt and the given scale."""
    x0, y0 = grid(size)
    shift_x, shift_y = rng.normal(0.0, 0.03, 2)
    angle = rng.normal(0.0, 0.03)
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = x0 - shift_x, y0 - shift_y
    x = (c * dx + s * dy) / scale
    y = (-s * dx + c * dy) / scale
    pixel = 2.0 / (size * scale)
    return x.astype(np.float32), y.astype(np.float32), pixel


@dataclass
class _Lung:
    side: int  # -1 = image left (patient right on a PA film), +1 = image right
    cx: float
    cy: float
    ax: float
    ay: float
    dome_y: float
    dome_h: float

    def dome(self, x: np.ndarray) -> np.ndarray:
        return self.dome_y + self.dome_h * ((x - self.cx) / self.ax) ** 2

    def mask(self, x: np.ndarray, y: np.ndarray, edge: float) -> np.ndarray:
        return ellipse(x, y, self.cx, self.cy, self.ax, self.ay, edge=edge) * ramp(y - self.dome(x), edge)

    def lateralness(self, x: np.ndarray) -> np.ndarray:
        """0 at the medial edge of the lung, 1 at its lateral edge."""
        return np.clip((self.side * (x - self.cx) / self.ax + 1.0) / 2.0, 0.0, 1.0)

    def point(
        self, rng: np.random.Generator, lower: bool = False, spread: float = 0.55
    ) -> tuple[float, float]:
        """A random point well inside the lung (lower/mid zone when ``lower``)."""
        u = rng.uniform(-spread, spread)
        v = rng.uniform(-0.1, 0.45) if lower else rng.uniform(-0.65, 0.45)
        px = self.cx + u * self.ax
        py = self.cy + v * self.ay
        floor = self.dome_y + self.dome_h * u * u - 0.08
        return px, min(py, floor)


# --------------------------------------------------------------------------- frontal chest


def _frontal_chest(
    streams: Streams, found: frozenset[str], size: int, *, ap: bool, pediatric: bool
) -> np.ndarray:
    rng = streams.anatomy
    scale = rng.uniform(0.64, 0.76) if pediatric else rng.uniform(0.92, 1.03)
    x, y, pixel = _pose(rng, size, scale)
    edge = max(2.0 * pixel, 0.012)

    # ---- finding-dependent geometry, decided first so the anatomy can follow it
    emphysema = "Emphysema" in found
    atel_side = int(streams.findings["Atelectasis"].choice((-1, 1))) if "Atelectasis" in found else 0
    u = rng.random()  # the same patient has a proportionally bigger heart with cardiomegaly
    if pediatric:
        ctr = 0.64 + 0.08 * u if "Cardiomegaly" in found else 0.48 + 0.08 * u
    else:
        ctr = 0.6 + 0.1 * u if "Cardiomegaly" in found else 0.38 + 0.09 * u
    if emphysema:
        ctr *= 0.88
    inspiration = rng.uniform(-0.04, 0.04) + (0.05 if ap else 0.0)

    lungs: list[_Lung] = []
    for side in (-1, 1):
        ax = rng.uniform(0.25, 0.29)
        ay = rng.uniform(0.58, 0.66) * (0.86 if pediatric else 1.0)
        cx = side * rng.uniform(0.37, 0.41)
        cy = rng.uniform(-0.08, -0.02)
        dome_y = cy + ay * rng.uniform(0.7, 0.78) + inspiration + (0.03 if side > 0 else 0.0)
        dome_h = rng.uniform(0.1, 0.14)
        if emphysema:
            ax *= 1.07
            ay *= 1.1
            dome_y += 0.1
            dome_h *= 0.25
        if side == atel_side:
            dome_y -= 0.06
        if "Fibrosis" in found:
            dome_y -= 0.03
        lungs.append(_Lung(side, cx, cy, ax, ay, dome_y, dome_h))
    right, left = lungs  # image-left lung is the patient's right on a PA film

    lung_masks = [lung.mask(x, y, edge) for lung in lungs]
    lung_any = np.maximum(lung_masks[0], lung_masks[1])
    dome_all = np.where(x < 0, right.dome(x), left.dome(x))

    thorax_w = (right.ax - right.cx) + (left.cx + left.ax)
    heart_w = ctr * thorax_w * (1.08 if ap else 1.0)
    heart_left = -0.3 * heart_w
    heart_cx = heart_left + heart_w / 2.0
    heart_ay = rng.uniform(0.2, 0.24) * (1.25 if "Cardiomegaly" in found else 1.0)
    heart_cy = (right.dome_y + left.dome_y) / 2.0 - heart_ay * 0.5
    heart = ellipse(x, y, heart_cx, heart_cy, heart_w / 2.0, heart_ay, angle=-0.25, edge=edge * 1.5)

    # ---- base anatomy
    body = np.maximum(
        ellipse(x, y, 0.0, 0.22, 0.98, 1.3, edge=0.03),
        ellipse(x, y, 0.0, -1.0, 0.24, 0.5, edge=0.03),
    )
    soft = rng.uniform(0.34, 0.4)
    density = soft * body
    density += 0.07 * body * ramp(dome_all - y, edge)  # upper abdomen below the diaphragm
    air = rng.uniform(0.22, 0.27) + (0.1 if emphysema else 0.0)
    air_map = air * (1.0 - 0.85 * heart)  # the heart in front of the lung leaves less air to replace
    lung_air = air_map * lung_any
    density -= lung_air

    mediastinum = band(x - 0.02, 0.12, 0.03) * ramp(y - dome_all, edge) * ramp(-0.95 - y, 0.05)
    density += 0.1 * mediastinum * (1.0 - heart)
    density += 0.1 * heart
    vertebrae = 0.75 + 0.25 * np.cos(2.0 * np.pi * (y - rng.uniform(0, 0.13)) / 0.13)
    density += 0.16 * band(x, 0.07, 0.02) * vertebrae * body
    density -= 0.08 * band(x, 0.035, 0.015) * ramp(y - (right.cy - right.ay * 0.45), 0.05)  # trachea
    knob_y = min(right.cy, left.cy) - 0.27
    density += 0.09 * ellipse(x, y, 0.11, knob_y, 0.065, 0.055, edge=edge) * (1.0 - heart)
    for side in (-1, 1):
        density += 0.06 * blob(x, y, side * 0.2, right.cy + 0.05, 0.06, 0.1)

    if pediatric:  # thymic "sail": a triangular widening of the upper mediastinum
        top = knob_y - 0.18
        frac = np.clip((y - top) / 0.32, 0.0, 1.0)
        sail = ramp(x - (0.1 + 0.22 * frac), edge) * ramp(0.05 - x, -0.05) * ramp(top - y, edge)
        sail *= ramp(y - (top + 0.32), edge)
        density += 0.12 * sail * (1.0 - heart)

    # ---- bones: posterior + anterior ribs, clavicles, scapulae, humeral heads
    ax_abs = np.abs(x)
    thorax_outer = max(-right.cx + right.ax, left.cx + left.ax) + 0.06
    chest_wall = ramp(ax_abs - thorax_outer, 0.04) * ramp(0.06 - ax_abs, -0.04)
    top_rib = min(right.cy - right.ay, left.cy - left.ay) + 0.05
    spacing = (max(right.dome_y, left.dome_y) - top_rib) / 8.5
    arc = 0.1 * np.sin(np.pi * np.clip(ax_abs, 0.0, 0.85) / 0.85) - 0.09 * ax_abs
    ribs = np.zeros_like(x)
    for k in range(10):
        ribs = np.maximum(ribs, band(y - (top_rib + k * spacing - arc), 0.02 + 0.0015 * k, edge))
    front = np.zeros_like(x)
    for k in range(6):
        front = np.maximum(
            front, band(y - (top_rib + 0.12 + k * spacing * 1.3 + 0.25 * (0.75 - ax_abs)), 0.016, edge)
        )
    density += (0.07 * ribs + 0.025 * front) * chest_wall * body
    clav_y = top_rib - (0.1 if ap else 0.04)
    for side in (-1, 1):
        d = segment_distance(x, y, side * 0.08, clav_y + 0.02, side * 0.62, clav_y - 0.08)
        density += 0.16 * band(d, 0.026, edge)
        scap_x = side * (0.66 if ap else 0.86)
        density += 0.07 * ellipse(x, y, scap_x, clav_y + 0.35, 0.17, 0.33, angle=side * 0.3, edge=0.04)
        density += 0.22 * ellipse(x, y, side * 0.9, clav_y - 0.06, 0.12, 0.13, edge=edge)
    gastric = ellipse(x, y, left.cx - 0.02, left.dome_y + 0.12, 0.09, 0.05, edge=edge)
    density -= 0.14 * gastric

    # ---- lung markings (vessels), dimmed where a finding removes them
    marking_weight = lung_any.copy()
    ptx_rim = ptx_line = None
    if "Pneumothorax" in found:
        ptx_rim, ptx_line = _pneumothorax(streams.findings["Pneumothorax"], x, y, lungs, lung_masks, edge)
        marking_weight *= 1.0 - ptx_rim
    if emphysema:
        marking_weight *= 0.45
    hilum_dist = np.minimum(np.hypot(x + 0.2, y - right.cy), np.hypot(x - 0.2, y - left.cy))
    vessels = ridges(smooth_noise(rng, size, 0.1), 0.3) * np.exp(-hilum_dist / 0.45)
    density += 0.075 * vessels * marking_weight

    # ---- findings (fixed order so a seed always draws the same numbers)
    for name in CXR14_FINDINGS:
        if name not in found or name in ("Cardiomegaly", "Emphysema"):
            continue
        if name == "Pneumothorax" and ptx_rim is not None and ptx_line is not None:
            density += 0.12 * ptx_line - (0.08 + 0.3 * air) * ptx_rim
            continue
        painter = _PAINTERS[name]
        density += painter(streams.findings[name], x, y, lungs, lung_masks, edge, size, air_map, atel_side)
    if emphysema:
        density += _bullae(streams.findings["Emphysema"], x, y, lungs, lung_masks, edge)
    return np.clip(density, 0.0, 1.0)


def _pneumothorax(
    rng: np.random.Generator,
    x: np.ndarray,
    y: np.ndarray,
    lungs: list[_Lung],
    lung_masks: list[np.ndarray],
    edge: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(air rim between chest wall and collapsed lung, visceral pleural line) on one side."""
    i = int(rng.choice((0, 1)))
    lung, mask = lungs[i], lung_masks[i]
    c = rng.uniform(0.55, 0.75)
    anchor_x = lung.cx - lung.side * lung.ax * 0.55
    anchor_y = lung.dome_y
    ccx = anchor_x + c * (lung.cx - anchor_x)
    ccy = anchor_y + c * (lung.cy - anchor_y)
    r = ellipse_radius(x, y, ccx, ccy, c * lung.ax, c * lung.ay)
    signed = (r - 1.0) * c * min(lung.ax, lung.ay)
    collapsed = ramp(signed, edge)
    rim = np.clip(mask - collapsed, 0.0, 1.0)
    line = band(signed, 0.005, edge) * mask
    return rim, line


def _effusion(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    out = np.zeros_like(x)
    which = int(rng.choice((0, 1, 2)))  # right, left, both
    for i, lung in enumerate(lungs):
        if which != 2 and which != i:
            continue
        frac = rng.uniform(0.22, 0.42)
        apex = lung.cy - lung.ay
        level = lung.dome_y - frac * (lung.dome_y - apex)
        meniscus = rng.uniform(0.1, 0.18)
        top = level - meniscus * lung.lateralness(x) ** 2
        container = ellipse(x, y, lung.cx, lung.cy + 0.04, lung.ax * 1.06, lung.ay * 1.08, edge=edge)
        container = np.maximum(
            container, ellipse(x, y, lung.cx, lung.dome_y, lung.ax * 0.95, 0.14, edge=edge)
        )
        fluid = ramp(top - y, 0.04) * container
        depth = 0.8 + 0.2 * np.clip((y - top) / 0.12, 0.0, 1.0)
        out += fluid * depth * (air * lung_masks[i] + 0.07)
    return out


def _patchy(rng, x, y, lung, lung_mask, size, *, radius, amp, threshold, bronchograms) -> np.ndarray:
    px, py = lung.point(rng, lower=bool(rng.random() < 0.6), spread=0.4)
    region = ellipse(
        x, y, px, py, radius * rng.uniform(1.0, 1.4), radius, angle=rng.uniform(-0.6, 0.6), edge=0.08
    )
    texture = smooth_noise(rng, size, 0.07)
    patch = np.clip((texture + threshold) / 1.3, 0.0, 1.0) * region * lung_mask
    out = amp * patch
    if bronchograms:
        out -= 0.05 * ridges(smooth_noise(rng, size, 0.12), 0.2) * patch
    return out


def _consolidation(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    i = int(rng.choice((0, 1)))
    return _patchy(
        rng,
        x,
        y,
        lungs[i],
        lung_masks[i],
        size,
        radius=rng.uniform(0.15, 0.22),
        amp=0.28,
        threshold=1.0,
        bronchograms=True,
    )


def _pneumonia(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    out = np.zeros_like(x)
    for _ in range(int(rng.integers(1, 3))):
        i = int(rng.choice((0, 1)))
        out += _patchy(
            rng,
            x,
            y,
            lungs[i],
            lung_masks[i],
            size,
            radius=rng.uniform(0.18, 0.28),
            amp=0.25,
            threshold=0.8,
            bronchograms=False,
        )
    return out


def _infiltration(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    out = np.zeros_like(x)
    mottle = 0.65 + 0.35 * np.tanh(smooth_noise(rng, size, 0.15))
    for _ in range(int(rng.integers(1, 3))):
        i = int(rng.choice((0, 1)))
        px, py = lungs[i].point(rng)
        s = rng.uniform(0.12, 0.2)
        out += 0.14 * blob(x, y, px, py, s, s * 1.2) * mottle * lung_masks[i]
    return out


def _edema(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    out = np.zeros_like(x)
    amp = rng.uniform(0.15, 0.2)
    haze = 0.8 + 0.2 * smooth_noise(rng, size, 0.1)
    for lung, mask in zip(lungs, lung_masks, strict=True):
        hx = lung.side * 0.2
        out += amp * blob(x, y, hx + lung.side * 0.08, lung.cy + 0.08, 0.2, 0.28) * haze * mask
        for k in range(4):  # Kerley B lines at the lateral bases
            yk = lung.dome_y - 0.05 - 0.045 * k
            lines = band(y - yk, 0.005, edge) * ramp(0.78 - lung.lateralness(x), -0.04)
            out += 0.07 * lines * mask
    return out


def _atelectasis(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    i = 0 if atel_side < 0 else 1
    lung = lungs[i]
    out = np.zeros_like(x)
    for _ in range(int(rng.integers(1, 3))):
        px, py = lung.point(rng, lower=True)
        half = rng.uniform(0.1, 0.18)
        angle = rng.uniform(-0.35, 0.35)
        dx, dy = half * np.cos(angle), half * np.sin(angle)
        d = segment_distance(x, y, px - dx, py - dy, px + dx, py + dy)
        out += 0.26 * band(d, rng.uniform(0.012, 0.022), edge) * lung_masks[i]
    return out


def _nodule(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    out = np.zeros_like(x)
    for _ in range(int(rng.integers(1, 3))):
        i = int(rng.choice((0, 1)))
        px, py = lungs[i].point(rng)
        r = rng.uniform(0.028, 0.045)
        out += 0.24 * ellipse(x, y, px, py, r, r, edge=edge * 0.8)
    return out


def _mass(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    i = int(rng.choice((0, 1)))
    px, py = lungs[i].point(rng)
    r = rng.uniform(0.08, 0.13)
    theta = np.arctan2(y - py, x - px)
    wobble = 1.0 + 0.12 * np.sin(3.0 * theta + rng.uniform(0, 2 * np.pi))
    dist = np.hypot(x - px, y - py) - r * wobble
    return 0.28 * ramp(dist, edge)


def _fibrosis(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    lines = ridges(smooth_noise(rng, size, 0.3), 0.35)
    out = np.zeros_like(x)
    for lung, mask in zip(lungs, lung_masks, strict=True):
        basal = np.clip((y - lung.cy) / lung.ay + 0.7, 0.0, 1.0)
        peripheral = 0.5 + 0.5 * lung.lateralness(x)
        out += 0.17 * lines * basal * peripheral * mask
    return out


def _pleural_thickening(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    out = np.zeros_like(x)
    which = int(rng.choice((0, 1, 2)))
    irregular = 1.0 + 0.3 * smooth_noise(rng, size, 0.05)
    for i, lung in enumerate(lungs):
        if which != 2 and which != i:
            continue
        thick = rng.uniform(0.035, 0.06) * irregular
        r = ellipse_radius(x, y, lung.cx, lung.cy, lung.ax, lung.ay)
        inner = (1.0 - r) * min(lung.ax, lung.ay)
        rim = ramp(inner - thick, edge) * ramp(-inner, edge)
        lateral = ramp(0.35 - lung.lateralness(x), -0.1)
        out += 0.22 * rim * lateral * ramp(y - lung.dome(x) - 0.02, edge)
    return out


def _hernia(rng, x, y, lungs, lung_masks, edge, size, air, atel_side) -> np.ndarray:
    right, left = lungs
    cx = rng.uniform(0.0, 0.1)
    cy = (right.dome_y + left.dome_y) / 2.0 - rng.uniform(0.04, 0.09)
    r = rng.uniform(0.08, 0.12)
    sac = ellipse(x, y, cx, cy, r * 1.15, r, edge=edge)
    level = cy - rng.uniform(0.0, 0.3) * r
    gas = ellipse(x, y, cx, cy, r * 0.85, r * 0.8, edge=edge) * ramp(y - level, edge)
    return 0.16 * sac - 0.32 * gas


def _bullae(rng, x, y, lungs, lung_masks, edge) -> np.ndarray:
    out = np.zeros_like(x)
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.choice((0, 1)))
        px, py = lungs[i].point(rng)
        py = min(py, lungs[i].cy)
        r = rng.uniform(0.05, 0.09)
        out -= 0.05 * ellipse(x, y, px, py, r, r, edge=edge) * lung_masks[i]
        out += 0.05 * band(np.hypot(x - px, y - py) - r, 0.004, edge) * lung_masks[i]
    return out


_PAINTERS = {
    "Atelectasis": _atelectasis,
    "Effusion": _effusion,
    "Infiltration": _infiltration,
    "Mass": _mass,
    "Nodule": _nodule,
    "Pneumonia": _pneumonia,
    "Consolidation": _consolidation,
    "Edema": _edema,
    "Fibrosis": _fibrosis,
    "Pleural_Thickening": _pleural_thickening,
    "Hernia": _hernia,
}


# --------------------------------------------------------------------------- lateral chest


def _lateral_chest(streams: Streams, found: frozenset[str], size: int, pediatric: bool) -> np.ndarray:
    """Lateral film: anterior to the image left, spine on the right, one superimposed lung field."""
    rng = streams.anatomy
    scale = rng.uniform(0.66, 0.76) if pediatric else rng.uniform(0.92, 1.03)
    x, y, pixel = _pose(rng, size, scale)
    edge = max(2.0 * pixel, 0.012)
    body = ellipse(x, y, 0.02, 0.15, 0.86, 1.25, edge=0.03)
    density = rng.uniform(0.36, 0.42) * body
    lung = _Lung(
        1,
        rng.uniform(0.0, 0.08),
        rng.uniform(-0.12, -0.04),
        rng.uniform(0.5, 0.58),
        rng.uniform(0.6, 0.68),
        0.0,
        0.0,
    )
    lung.dome_y = lung.cy + lung.ay * rng.uniform(0.62, 0.72) + (0.08 if "Emphysema" in found else 0.0)
    lung.dome_h = rng.uniform(0.12, 0.18) * (0.3 if "Emphysema" in found else 1.0)
    lung_mask = lung.mask(x, y, edge)
    ctr = 1.3 if "Cardiomegaly" in found else 1.0
    heart = ellipse(x, y, -0.2, lung.dome_y - 0.2 * ctr, 0.3 * ctr, 0.26 * ctr, angle=0.5, edge=edge)
    air = rng.uniform(0.22, 0.26) + (0.05 if "Emphysema" in found else 0.0)
    density -= air * lung_mask * (1.0 - 0.8 * heart)
    density += 0.08 * heart
    # spine: vertebral bodies with disc spaces, posterior
    spine_x = lung.cx + lung.ax + rng.uniform(0.02, 0.07)
    period = 0.15
    phase = np.mod(y - rng.uniform(0, period), period) / period
    bodies = ramp(np.abs(phase - 0.5) - 0.38, 0.05) * band(x - spine_x, 0.09, edge)
    density += 0.28 * bodies
    density += 0.08 * band(x - (spine_x + 0.16), 0.04, edge)  # posterior elements
    density += (
        0.2 * band(x - (lung.cx - lung.ax - 0.08), 0.025, edge) * ramp(np.abs(y + 0.1) - 0.6, 0.04)
    )  # sternum
    density += 0.1 * band(y - lung.dome(x), 0.02, edge) * ramp(np.abs(x - lung.cx) - lung.ax, 0.04)  # domes
    humerus = segment_distance(x, y, -0.2, -1.1, 0.15, -0.55)
    density += 0.22 * band(humerus, 0.07, edge)
    density += 0.05 * ridges(smooth_noise(rng, size, 0.1), 0.3) * lung_mask
    if "Effusion" in found:
        density += (
            0.2
            * ramp(lung.dome_y - 0.12 - y, 0.04)
            * ellipse(x, y, lung.cx + 0.3, lung.dome_y, 0.3, 0.25, edge=edge)
        )
    for name in ("Mass", "Nodule", "Consolidation", "Pneumonia", "Infiltration", "Hernia"):
        if name in found:
            px, py = lung.point(streams.findings[name])
            r = {"Mass": 0.1, "Nodule": 0.035, "Hernia": 0.1}.get(name, 0.17)
            density += 0.2 * ellipse(x, y, px, py, r, r, edge=0.02 if r < 0.1 else 0.06) * lung_mask
    if "Edema" in found:
        density += 0.12 * blob(x, y, lung.cx, lung.cy + 0.1, 0.3, 0.3) * lung_mask
    if "Pneumothorax" in found:
        density -= (
            0.05 * ellipse(x, y, lung.cx, lung.cy - lung.ay * 0.7, lung.ax * 0.6, 0.15, edge=edge) * lung_mask
        )
    return np.clip(density, 0.0, 1.0)


# --------------------------------------------------------------------------- non-chest anatomy


def _bone(
    x: np.ndarray, y: np.ndarray, p0: tuple[float, float], p1: tuple[float, float], radius: float, edge: float
) -> np.ndarray:
    """A long bone: bright cortex, slightly darker medulla."""
    d = segment_distance(x, y, p0[0], p0[1], p1[0], p1[1])
    outer = ramp(d - radius, edge)
    medulla = ramp(d - radius * 0.55, edge)
    return outer - 0.3 * medulla


def _hand(rng: np.random.Generator, size: int) -> np.ndarray:
    x, y, pixel = _pose(rng, size, rng.uniform(0.85, 1.0))
    edge = max(2.0 * pixel, 0.01)
    soft = ellipse(x, y, 0.0, 0.25, 0.42, 0.38, edge=0.03)
    bone = np.zeros_like(x)
    spread = rng.uniform(0.08, 0.14)
    for k, base_x in enumerate((-0.3, -0.15, 0.0, 0.15, 0.3)):
        angle = (k - 2) * spread if k > 0 else -0.9
        length = (0.45, 0.62, 0.68, 0.64, 0.52)[k]
        bx, by = base_x * (1.0 if k else 1.3), 0.35 if k else 0.45
        tip = (bx + np.sin(angle) * (length + 0.35), by - np.cos(angle) * (length + 0.35))
        soft = np.maximum(soft, band(segment_distance(x, y, bx, by, tip[0], tip[1]), 0.085, 0.03))
        joints = (0.0, 0.35, 0.35 + length * 0.45, 0.35 + length * 0.75, 0.35 + length * 0.97)
        for j in range(4):
            a, b = joints[j] + 0.025, joints[j + 1] - 0.025
            p0 = (bx + np.sin(angle) * a, by - np.cos(angle) * a)
            p1 = (bx + np.sin(angle) * b, by - np.cos(angle) * b)
            bone = np.maximum(bone, _bone(x, y, p0, p1, 0.045 - 0.006 * j, edge))
    for _ in range(8):  # carpals
        cx, cy = rng.uniform(-0.2, 0.2), rng.uniform(0.5, 0.68)
        bone = np.maximum(bone, 0.85 * ellipse(x, y, cx, cy, 0.06, 0.05, edge=edge))
    for bx in (-0.12, 0.12):  # radius and ulna
        bone = np.maximum(bone, _bone(x, y, (bx, 0.72), (bx * 1.3, 1.3), 0.07, edge))
    soft = np.maximum(soft, band(x, 0.3, 0.04) * ramp(0.6 - y, 0.04))
    return np.clip(0.28 * soft + 0.5 * bone, 0.0, 1.0)


def _knee(rng: np.random.Generator, size: int) -> np.ndarray:
    x, y, pixel = _pose(rng, size, rng.uniform(0.85, 1.0))
    edge = max(2.0 * pixel, 0.01)
    soft = band(x, rng.uniform(0.48, 0.58), 0.05)
    joint = rng.uniform(-0.05, 0.05)
    gap = rng.uniform(0.04, 0.07)
    femur = _bone(x, y, (0.0, -1.3), (0.0, joint - 0.3), 0.15, edge)
    condyles = np.maximum(
        ellipse(x, y, -0.17, joint - gap - 0.15, 0.17, 0.15, edge=edge),
        ellipse(x, y, 0.17, joint - gap - 0.15, 0.17, 0.15, edge=edge),
    ) * ramp(y - (joint - gap), edge)
    femur = np.maximum(femur, condyles * ramp(-(y - (joint - 0.3)), -0.2))
    plateau = ellipse(x, y, 0.0, joint + gap + 0.12, 0.36, 0.12, edge=edge) * ramp(joint + gap - y, edge)
    tibia = np.maximum(_bone(x, y, (0.0, joint + 0.2), (0.0, 1.3), 0.14, edge), plateau)
    fibula = _bone(x, y, (0.3, joint + 0.2), (0.28, 1.3), 0.05, edge)
    patella = ellipse(x, y, rng.uniform(-0.03, 0.03), joint - 0.35, 0.12, 0.15, edge=edge)
    bone = np.maximum.reduce([femur, tibia, fibula, 0.6 * patella + 0.5 * femur])
    return np.clip(0.25 * soft + 0.5 * bone, 0.0, 1.0)


def _abdomen(rng: np.random.Generator, size: int) -> np.ndarray:
    x, y, pixel = _pose(rng, size, rng.uniform(0.9, 1.02))
    edge = max(2.0 * pixel, 0.01)
    body = ellipse(x, y, 0.0, 0.0, 1.05, 1.4, edge=0.04)
    density = rng.uniform(0.42, 0.48) * body
    period = 0.2
    phase = np.mod(y - rng.uniform(0, period), period) / period
    vertebra = ramp(np.abs(phase - 0.5) - 0.4, 0.04) * band(x, 0.1, edge)
    transverse = ramp(np.abs(phase - 0.45) - 0.12, 0.04) * band(x, 0.24, edge)
    density += 0.2 * vertebra * ramp(y - 0.45, edge) + 0.08 * transverse * ramp(y - 0.45, edge)
    for side in (-1, 1):
        wing = ellipse(x, y, side * 0.45, 0.78, 0.38, 0.28, angle=side * 0.5, edge=edge)
        density += 0.18 * wing
        density += 0.06 * band(
            segment_distance(x, y, side * 0.12, -0.2, side * 0.42, 0.6), 0.08, 0.05
        )  # psoas
    density += 0.2 * ellipse(x, y, 0.0, 0.75, 0.14, 0.2, edge=edge)  # sacrum
    for _ in range(int(rng.integers(10, 20))):  # bowel gas
        gx, gy = rng.uniform(-0.7, 0.7), rng.uniform(-0.7, 0.5)
        density -= 0.2 * ellipse(
            x,
            y,
            gx,
            gy,
            rng.uniform(0.04, 0.12),
            rng.uniform(0.03, 0.07),
            angle=rng.uniform(0, np.pi),
            edge=0.02,
        )
    return np.clip(density, 0.0, 1.0)
