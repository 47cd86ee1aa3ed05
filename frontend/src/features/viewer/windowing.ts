/**
 * Window/level maths of the viewer (pure; no DOM).
 *
 * Windows are in MODALITY units (HU for CT): the server's presets (`GET /images/{id}/windows/`) and
 * the user's drags. The browser applies them to the full-bit-depth values itself (lut.ts), exactly as
 * the server renders (DICOM PS3.3 C.11.2.1.2.1 LINEAR, C.11.2.1.3 LINEAR_EXACT / SIGMOID, VOI LUT).
 */

export interface Win {
  center: number
  width: number
}

/** Narrowest LINEAR window (PS3.3 C.11.2.1.2.1 needs width >= 1). */
export const MIN_WIDTH = 1

/** One preset of the image, as the server lists it. */
export interface Preset {
  key: string
  label: string
  center: number
  width: number
  /** 'file' (the image's own VOI), 'hu' (CT) or 'derived' (from its pixel distribution). */
  source: string
  function: string
}

export interface VoiLutData {
  first_mapped: number
  bits: number
  table: number[]
}

/** The body of `GET /api/v1/images/{id}/windows/`. */
export interface ImageWindows {
  image: number
  modality: string
  units: string
  photometric: string
  /** mm between pixel centres of the full image (row, column); null: measurements in px. */
  pixel_spacing: [number, number] | null
  spacing_source: string
  /** The full image's shape: measurement coordinates are its pixels. */
  rows: number
  cols: number
  presets: Preset[]
  voi_lut: VoiLutData | null
}

/** Number keys 1..9 pick the image's presets in the server's order (its own VOI first). */
export const MAX_PRESET_KEYS = 9

export function presetForKey(presets: readonly Preset[], index: number): Preset | null {
  return index >= 1 && index <= Math.min(presets.length, MAX_PRESET_KEYS) ? presets[index - 1] : null
}

/** Modality units per screen pixel of drag (as cornerstone/OHIF: the image's value range over 1024). */
export function dragSensitivity(range: number): number {
  return Math.max(range, 1) / 1024
}

/**
 * Window after a drag of (dx, dy) screen pixels from `start`, as OHIF does: horizontal changes the
 * width (right = wider, less contrast), vertical the centre (down = higher centre).
 */
export function dragWindow(start: Win, dx: number, dy: number, range: number): Win {
  const k = dragSensitivity(range)
  return { center: start.center + dy * k, width: Math.max(MIN_WIDTH, start.width + dx * k) }
}

/** Display value in [0, 1] of modality value x under a LINEAR window (PS3.3 C.11.2.1.2.1). */
export function displayValue(x: number, w: Win): number {
  if (w.width <= 1) return x > w.center - 0.5 ? 1 : 0
  const y = (x - (w.center - 0.5)) / (w.width - 1) + 0.5
  return Math.min(1, Math.max(0, y))
}

/** "W 1500 / L -600 HU" style label of a window. */
export function windowLabel(w: Win, units: string): string {
  const u = units ? ` ${units}` : ''
  return `W ${Math.round(w.width)} / L ${Math.round(w.center)}${u}`
}

/**
 * Pixel size to ask for: the viewport's longest side in device pixels, rounded up to a 256 step (so
 * small resizes reuse the same data, and the prefetch of the next item asks for the same URL), never
 * more than the image's own longest side, never below 64.
 */
export function renderSize(imageLongest: number, viewportLongestCss: number, dpr = 1): number {
  const want = Math.ceil((viewportLongestCss * dpr) / 256) * 256
  return Math.max(64, Math.min(imageLongest, Math.max(256, want), 4096))
}
