/**
 * Window/level maths of the viewer (pure; no DOM).
 *
 * The server renders from full bit depth at a window (centre, width) in modality units, with the
 * DICOM PS3.3 C.11.2.1.2.1 LINEAR function. While the user drags, the client shows the last rendered
 * image through a linear grey transform (an SVG feComponentTransfer: out = slope * in + intercept)
 * that is exact for every pixel the rendered window did not clip, then swaps in the server's render.
 */

export interface Win {
  center: number
  width: number
}

export interface ImageMeta {
  bitsStored: number
  photometric: string
  windowCenter: number | null
  windowWidth: number | null
}

/** Narrowest window the server accepts for LINEAR (PS3.3 C.11.2.1.2.1 needs width >= 1). */
export const MIN_WIDTH = 1

/** Number of stored values: 4096 for a 12-bit CR. */
export function storedRange(meta: Pick<ImageMeta, 'bitsStored'>): number {
  const bits = Math.min(Math.max(Math.round(meta.bitsStored) || 8, 1), 16)
  return 2 ** bits
}

/** The file's window if it has one, else the whole stored range. */
export function defaultWindow(meta: ImageMeta): Win {
  if (meta.windowCenter != null && meta.windowWidth != null && meta.windowWidth > 0) {
    return { center: meta.windowCenter, width: meta.windowWidth }
  }
  const range = storedRange(meta)
  return { center: range / 2, width: range }
}

/** Modality units per screen pixel of drag (as cornerstone/OHIF: the dynamic range over 1024). */
export function dragSensitivity(meta: Pick<ImageMeta, 'bitsStored'>): number {
  return storedRange(meta) / 1024
}

/**
 * Window after a drag of (dx, dy) screen pixels from `start`, as OHIF does: horizontal changes the
 * width (right = wider, less contrast), vertical the centre (down = higher centre, darker image).
 */
export function dragWindow(start: Win, dx: number, dy: number, meta: Pick<ImageMeta, 'bitsStored'>): Win {
  const k = dragSensitivity(meta)
  return { center: start.center + dy * k, width: Math.max(MIN_WIDTH, start.width + dx * k) }
}

export type PresetKey = 'default' | 'lung' | 'bone' | 'soft' | 'full'

export interface Preset {
  key: PresetKey
  label: string
  hotkey: string
  /** Centre and width as fractions of the stored range, for MONOCHROME2 (dense = high values). */
  fraction: { center: number; width: number } | null
}

/**
 * Presets for projection radiographs (CR/DX, defined on a 12-bit range and scaled to the image's
 * bits stored). X-ray values are not Hounsfield units, so the CT presets of OHIF do not apply; these
 * emphasise the low-density (lung), high-density (bone) and middle (soft tissue) parts of the range.
 * On a 12-bit MONOCHROME2 image: lung 1229/2048, bone 2867/1638, soft tissue 2048/1434, full 2048/4096.
 */
export const PRESETS: readonly Preset[] = [
  { key: 'default', label: 'Default (file window)', hotkey: '1', fraction: null },
  { key: 'lung', label: 'Lung', hotkey: '2', fraction: { center: 0.3, width: 0.5 } },
  { key: 'bone', label: 'Bone', hotkey: '3', fraction: { center: 0.7, width: 0.4 } },
  { key: 'soft', label: 'Soft tissue', hotkey: '4', fraction: { center: 0.5, width: 0.35 } },
  { key: 'full', label: 'Full range', hotkey: '5', fraction: { center: 0.5, width: 1.0 } },
]

export function presetByKey(key: PresetKey): Preset {
  const p = PRESETS.find((x) => x.key === key)
  if (!p) throw new Error(`unknown window preset ${key}`)
  return p
}

/**
 * The window of a preset for this image, or null for 'default' (the server then applies the file's
 * own VOI: its window or VOI LUT). MONOCHROME1 stores dense tissue as low values, so the centre
 * fraction is mirrored.
 */
export function presetWindow(key: PresetKey, meta: ImageMeta): Win | null {
  const p = presetByKey(key)
  if (p.fraction == null) return null
  const range = storedRange(meta)
  const f = meta.photometric.toUpperCase() === 'MONOCHROME1' ? 1 - p.fraction.center : p.fraction.center
  return { center: Math.round(f * range), width: Math.max(MIN_WIDTH, Math.round(p.fraction.width * range)) }
}

/** Display value in [0, 1] of modality value x under a LINEAR window (PS3.3 C.11.2.1.2.1). */
export function displayValue(x: number, w: Win): number {
  if (w.width <= 1) return x > w.center - 0.5 ? 1 : 0
  const y = (x - (w.center - 0.5)) / (w.width - 1) + 0.5
  return Math.min(1, Math.max(0, y))
}

export interface GreyTransform {
  slope: number
  intercept: number
}

export const IDENTITY: GreyTransform = { slope: 1, intercept: 0 }

/**
 * The linear grey transform that turns an image rendered at `rendered` into one at `target`.
 * `renderedInverted`/`targetInverted` say whether each displays dense as dark (MONOCHROME1 XOR the
 * user's invert): the transform then works on 1 - value. Exact for unclipped pixels.
 */
export function approxTransform(
  rendered: Win,
  target: Win,
  renderedInverted = false,
  targetInverted = false,
): GreyTransform {
  const w0 = Math.max(rendered.width - 1, 1e-6)
  const w1 = Math.max(target.width - 1, 1e-6)
  // d1 = k * d0 + b on the non-inverted display values.
  const k = w0 / w1
  const b = (rendered.center - target.center) / w1 + 0.5 - 0.5 * k
  let slope = k
  let intercept = b
  if (renderedInverted) {
    // d0 = 1 - e0  =>  d1 = -k * e0 + (k + b)
    slope = -k
    intercept = k + b
  }
  if (targetInverted) {
    // e1 = 1 - d1
    slope = -slope
    intercept = 1 - intercept
  }
  return { slope, intercept }
}

export function isIdentity(t: GreyTransform, eps = 1e-9): boolean {
  return Math.abs(t.slope - 1) < eps && Math.abs(t.intercept) < eps
}

/** Window rounded for the render request (integers hit the server's render cache more often). */
export function roundWindow(w: Win): Win {
  return { center: Math.round(w.center), width: Math.max(MIN_WIDTH, Math.round(w.width)) }
}

export interface RenderOptions {
  window: Win | null
  invert: boolean
  size: number | null
  format?: 'png' | 'webp'
}

/** Query string of `GET /api/v1/images/{id}/render/` (stable order, so identical views share a URL). */
export function renderQuery(o: RenderOptions): string {
  const q = new URLSearchParams()
  if (o.window) {
    const w = roundWindow(o.window)
    q.set('wc', String(w.center))
    q.set('ww', String(w.width))
  }
  if (o.size != null) q.set('size', String(o.size))
  q.set('format', o.format ?? 'png')
  q.set('invert', o.invert ? '1' : '0')
  return q.toString()
}

export function renderUrl(imageId: number, o: RenderOptions): string {
  return `/api/v1/images/${imageId}/render/?${renderQuery(o)}`
}

/**
 * Pixel size to request: the viewport's longest side in device pixels, rounded up to a 256 step (so
 * small resizes reuse renders, and the prefetch of the next item asks for the same URL), never more
 * than the image's own longest side, never below 64.
 */
export function renderSize(imageLongest: number, viewportLongestCss: number, dpr = 1): number {
  const want = Math.ceil((viewportLongestCss * dpr) / 256) * 256
  return Math.max(64, Math.min(imageLongest, Math.max(256, want), 4096))
}
