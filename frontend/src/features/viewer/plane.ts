/** An image's full-bit-depth values as the pixels endpoint sends them, decoded (pure). */

export interface Plane {
  rows: number
  cols: number
  slope: number
  intercept: number
  samples: Uint16Array
  /** Smallest and largest modality value present (drag sensitivity, full-range window). */
  lo: number
  hi: number
}

/** Decodes the body and headers of the pixels endpoint. */
export function parsePlane(body: ArrayBuffer, header: (name: string) => string | null): Plane {
  const rows = Number(header('X-Arbiter-Rows'))
  const cols = Number(header('X-Arbiter-Cols'))
  const slope = Number(header('X-Arbiter-Slope'))
  const intercept = Number(header('X-Arbiter-Intercept'))
  if (!(rows > 0 && cols > 0 && Number.isFinite(slope) && Number.isFinite(intercept))) {
    throw new Error('The image data came without its shape or scale.')
  }
  if (body.byteLength !== rows * cols * 2) throw new Error('The image data is incomplete.')
  const samples = new Uint16Array(body)
  let min = 65535
  let max = 0
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]
    if (v < min) min = v
    if (v > max) max = v
  }
  return { rows, cols, slope, intercept, samples, lo: intercept + slope * min, hi: intercept + slope * max }
}
