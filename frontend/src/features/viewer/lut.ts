/**
 * The browser's VOI at full bit depth (pure; no DOM): a 65,536-entry lookup table from the served
 * uint16 samples to display bytes, then one pass over the pixels. The same maths as the server's
 * imaging/render.py: modality value -> VOI (window or the file's VOI LUT) -> MONOCHROME1 / user
 * inversion -> byte, rounded half up. A window change rebuilds the table (65,536 steps) and repaints
 * (one lookup per pixel), a few milliseconds for a 1024 x 1024 image, so drags run at frame rate.
 */
import type { VoiLutData } from './windowing'

export type Voi =
  | { kind: 'window'; center: number; width: number; fn: string }
  | { kind: 'lut'; lut: VoiLutData }

export interface Scale {
  slope: number
  intercept: number
}

export const SAMPLES = 65536

/** VOI of one modality value to [0, 1] (PS3.3 C.11.2.1.2 / C.11.2.1.3 / C.11.2.1.1). */
export function voiUnit(x: number, voi: Voi): number {
  if (voi.kind === 'lut') {
    const { first_mapped, bits, table } = voi.lut
    const i = Math.min(Math.max(Math.round(x - first_mapped), 0), table.length - 1)
    return table[i] / (2 ** bits - 1)
  }
  const { center: c, width: w } = voi
  const fn = (voi.fn || 'LINEAR').toUpperCase()
  if (fn === 'SIGMOID') return 1 / (1 + Math.exp(Math.min(80, Math.max(-80, (-4 * (x - c)) / w))))
  if (fn === 'LINEAR_EXACT') return Math.min(1, Math.max(0, (x - c) / w + 0.5))
  if (w <= 1) return x > c - 0.5 ? 1 : 0
  return Math.min(1, Math.max(0, (x - (c - 0.5)) / (w - 1) + 0.5))
}

/** Display byte of each possible sample; `inverted` = dense shown dark (MONOCHROME1 XOR user invert). */
export function buildLut(scale: Scale, voi: Voi, inverted: boolean, out: Uint8Array = new Uint8Array(SAMPLES)): Uint8Array {
  const { slope, intercept } = scale
  if (voi.kind === 'window' && (voi.fn || 'LINEAR').toUpperCase() === 'LINEAR' && voi.width > 1) {
    // The hot path while dragging: inline LINEAR.
    const a = slope / (voi.width - 1)
    const b = (intercept - (voi.center - 0.5)) / (voi.width - 1) + 0.5
    for (let q = 0; q < SAMPLES; q++) {
      let u = a * q + b
      u = u < 0 ? 0 : u > 1 ? 1 : u
      if (inverted) u = 1 - u
      out[q] = Math.floor(u * 255 + 0.5)
    }
    return out
  }
  for (let q = 0; q < SAMPLES; q++) {
    let u = voiUnit(intercept + slope * q, voi)
    if (inverted) u = 1 - u
    out[q] = Math.floor(u * 255 + 0.5)
  }
  return out
}

/** Paints grey bytes into RGBA pixels (a Uint32Array view of ImageData, little-endian ABGR). */
export function paintGrey(samples: Uint16Array, lut: Uint8Array, rgba: Uint32Array): void {
  const n = Math.min(samples.length, rgba.length)
  for (let i = 0; i < n; i++) {
    const v = lut[samples[i]]
    rgba[i] = 0xff000000 | (v << 16) | (v << 8) | v
  }
}
