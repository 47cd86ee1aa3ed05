/**
 * Measurement geometry of the viewer (pure): length, bidirectional (RECIST: the long axis and the
 * longest diameter perpendicular to it) and ellipse (area, mean and SD of the modality values
 * inside), as Cornerstone3D's tools offer them.
 *
 * Points are in the full image's pixel coordinates (x = column, y = row, continuous; the image spans
 * 0..cols, 0..rows), so a measurement is independent of zoom, pan and the size of the plane that was
 * sent. Distances are computed in physical space (x * column spacing, y * row spacing), which keeps
 * lengths and perpendicularity right when rows and columns have different spacings; without a
 * spacing they are in pixels.
 */

export interface Point {
  x: number
  y: number
}

/** mm between pixel centres (DICOM PixelSpacing order: row, column); null = no spacing (px). */
export type Spacing = readonly [number, number] | null

export type Tool = 'window' | 'length' | 'bidirectional' | 'ellipse'

export type Measurement =
  | { id: number; kind: 'length'; a: Point; b: Point }
  | { id: number; kind: 'bidirectional'; long: readonly [Point, Point]; short: readonly [Point, Point] }
  | { id: number; kind: 'ellipse'; a: Point; b: Point }

export function unit(spacing: Spacing): 'mm' | 'px' {
  return spacing ? 'mm' : 'px'
}

function phys(p: Point, s: Spacing): Point {
  return s ? { x: p.x * s[1], y: p.y * s[0] } : p
}

function image(p: Point, s: Spacing): Point {
  return s ? { x: p.x / s[1], y: p.y / s[0] } : p
}

/** Length between two image points, in mm (or px without a spacing). */
export function distance(a: Point, b: Point, s: Spacing): number {
  const pa = phys(a, s)
  const pb = phys(b, s)
  return Math.hypot(pb.x - pa.x, pb.y - pa.y)
}

/**
 * The short axis of a bidirectional measurement through what the reader drew (p to q), made
 * perpendicular to the long axis in physical space: it crosses the long axis where the midpoint of
 * p..q projects onto it (kept within the long axis), and reaches as far to each side as p and q do.
 */
export function perpendicularAxis(long: readonly [Point, Point], p: Point, q: Point, s: Spacing): [Point, Point] {
  const l0 = phys(long[0], s)
  const l1 = phys(long[1], s)
  const len = Math.hypot(l1.x - l0.x, l1.y - l0.y)
  if (len === 0) return [p, p]
  const u = { x: (l1.x - l0.x) / len, y: (l1.y - l0.y) / len }
  const n = { x: -u.y, y: u.x }
  const pp = phys(p, s)
  const pq = phys(q, s)
  const mid = { x: (pp.x + pq.x) / 2 - l0.x, y: (pp.y + pq.y) / 2 - l0.y }
  const t = Math.min(len, Math.max(0, mid.x * u.x + mid.y * u.y))
  const off = (r: Point) => (r.x - l0.x) * n.x + (r.y - l0.y) * n.y
  const foot = { x: l0.x + u.x * t, y: l0.y + u.y * t }
  const end = (d: number) => image({ x: foot.x + n.x * d, y: foot.y + n.y * d }, s)
  return [end(off(pp)), end(off(pq))]
}

/** A bidirectional measurement's first short axis: perpendicular at the long axis' midpoint, half its length. */
export function initialShortAxis(long: readonly [Point, Point], s: Spacing): [Point, Point] {
  const l0 = phys(long[0], s)
  const l1 = phys(long[1], s)
  const mid = image({ x: (l0.x + l1.x) / 2, y: (l0.y + l1.y) / 2 }, s)
  const len = Math.hypot(l1.x - l0.x, l1.y - l0.y)
  if (len === 0) return [mid, mid]
  const n = { x: -(l1.y - l0.y) / len, y: (l1.x - l0.x) / len }
  const m = phys(mid, s)
  const a = image({ x: m.x + (n.x * len) / 4, y: m.y + (n.y * len) / 4 }, s)
  const b = image({ x: m.x - (n.x * len) / 4, y: m.y - (n.y * len) / 4 }, s)
  return perpendicularAxis(long, a, b, s)
}

/** Area of the ellipse inscribed in the box with corners a and b, in mm² (or px²). */
export function ellipseArea(a: Point, b: Point, s: Spacing): number {
  const rx = Math.abs(b.x - a.x) / 2
  const ry = Math.abs(b.y - a.y) / 2
  return Math.PI * rx * ry * (s ? s[0] * s[1] : 1)
}

export interface PlaneValues {
  rows: number
  cols: number
  slope: number
  intercept: number
  samples: ArrayLike<number>
}

export interface RegionStats {
  mean: number
  sd: number
  /** Plane pixels inside (the plane may be smaller than the image: values are its averages). */
  n: number
}

/**
 * Mean and (population) SD of the modality values whose pixel centres lie inside the ellipse, on a
 * plane of any size showing the whole image of `imageCols` x `imageRows`. An ellipse smaller than one
 * plane pixel takes the pixel under its centre.
 */
export function ellipseStats(
  a: Point,
  b: Point,
  plane: PlaneValues,
  imageCols: number,
  imageRows: number,
): RegionStats | null {
  const kx = plane.cols / imageCols
  const ky = plane.rows / imageRows
  const cx = ((a.x + b.x) / 2) * kx
  const cy = ((a.y + b.y) / 2) * ky
  const rx = (Math.abs(b.x - a.x) / 2) * kx
  const ry = (Math.abs(b.y - a.y) / 2) * ky
  let n = 0
  let sum = 0
  let sum2 = 0
  const add = (i: number, j: number) => {
    const v = plane.intercept + plane.slope * plane.samples[j * plane.cols + i]
    n++
    sum += v
    sum2 += v * v
  }
  if (rx > 0 && ry > 0) {
    const i0 = Math.max(0, Math.floor(cx - rx))
    const i1 = Math.min(plane.cols - 1, Math.ceil(cx + rx))
    const j0 = Math.max(0, Math.floor(cy - ry))
    const j1 = Math.min(plane.rows - 1, Math.ceil(cy + ry))
    for (let j = j0; j <= j1; j++) {
      const dy = (j + 0.5 - cy) / ry
      for (let i = i0; i <= i1; i++) {
        const dx = (i + 0.5 - cx) / rx
        if (dx * dx + dy * dy <= 1) add(i, j)
      }
    }
  }
  if (n === 0) {
    const i = Math.floor(cx)
    const j = Math.floor(cy)
    if (i < 0 || j < 0 || i >= plane.cols || j >= plane.rows) return null
    add(i, j)
  }
  const mean = sum / n
  return { mean, sd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), n }
}

/** A client (screen) point in image coordinates, from the on-screen box of the whole image. */
export function toImage(
  clientX: number,
  clientY: number,
  rect: { left: number; top: number; width: number; height: number },
  cols: number,
  rows: number,
): Point {
  return { x: ((clientX - rect.left) / rect.width) * cols, y: ((clientY - rect.top) / rect.height) * rows }
}

export function formatLength(v: number, s: Spacing): string {
  return `${v.toFixed(s ? 1 : 0)} ${unit(s)}`
}

export function formatArea(v: number, s: Spacing): string {
  return s ? `${v.toFixed(1)} mm²` : `${v.toFixed(0)} px²`
}

/** The text of a measurement, as the overlay and the list show it. */
export function describe(m: Measurement, s: Spacing, stats?: RegionStats | null, units = ''): string {
  switch (m.kind) {
    case 'length':
      return `Length ${formatLength(distance(m.a, m.b, s), s)}`
    case 'bidirectional': {
      const l = distance(m.long[0], m.long[1], s)
      const w = distance(m.short[0], m.short[1], s)
      return `L ${formatLength(l, s)} × W ${formatLength(w, s)}`
    }
    case 'ellipse': {
      const area = `Area ${formatArea(ellipseArea(m.a, m.b, s), s)}`
      if (!stats) return area
      const u = units ? ` ${units}` : ''
      return `${area} · mean ${stats.mean.toFixed(1)}${u} · SD ${stats.sd.toFixed(1)}${u}`
    }
  }
}
