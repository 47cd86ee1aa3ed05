import { describe, expect, it } from 'vitest'
import {
  approxTransform,
  defaultWindow,
  displayValue,
  dragWindow,
  presetWindow,
  renderQuery,
  renderSize,
  storedRange,
  type ImageMeta,
  type Win,
} from '../src/viewer/windowing'

const cr12: ImageMeta = { bitsStored: 12, photometric: 'MONOCHROME2', windowCenter: null, windowWidth: null }

describe('windows', () => {
  it('uses the file window when there is one, else the full stored range', () => {
    expect(defaultWindow({ ...cr12, windowCenter: 1800, windowWidth: 2500 })).toEqual({ center: 1800, width: 2500 })
    expect(defaultWindow(cr12)).toEqual({ center: 2048, width: 4096 })
    expect(defaultWindow({ ...cr12, bitsStored: 8 })).toEqual({ center: 128, width: 256 })
    expect(storedRange({ bitsStored: 16 })).toBe(65536)
  })

  it('drags like OHIF: x changes width, y changes centre, scaled by the dynamic range', () => {
    const start = { center: 2000, width: 3000 }
    // 12-bit: 4 modality units per pixel.
    expect(dragWindow(start, 10, 0, cr12)).toEqual({ center: 2000, width: 3040 })
    expect(dragWindow(start, 0, -25, cr12)).toEqual({ center: 1900, width: 3000 })
    expect(dragWindow(start, 0, 0, { bitsStored: 8 })).toEqual(start)
    expect(dragWindow(start, 1, 1, { bitsStored: 8 })).toEqual({ center: 2000.25, width: 3000.25 })
  })

  it('never drags the width below 1', () => {
    expect(dragWindow({ center: 100, width: 50 }, -1000, 0, cr12).width).toBe(1)
  })

  it('scales presets to the bit depth and mirrors the centre for MONOCHROME1', () => {
    expect(presetWindow('default', cr12)).toBeNull()
    expect(presetWindow('lung', cr12)).toEqual({ center: 1229, width: 2048 })
    expect(presetWindow('bone', cr12)).toEqual({ center: 2867, width: 1638 })
    expect(presetWindow('soft', cr12)).toEqual({ center: 2048, width: 1434 })
    expect(presetWindow('full', cr12)).toEqual({ center: 2048, width: 4096 })
    expect(presetWindow('lung', { ...cr12, bitsStored: 8 })).toEqual({ center: 77, width: 128 })
    expect(presetWindow('lung', { ...cr12, photometric: 'MONOCHROME1' })).toEqual({ center: 2867, width: 2048 })
  })
})

describe('display value (PS3.3 C.11.2.1.2.1)', () => {
  it('maps the window edges to 0 and 1 and the centre to about one half', () => {
    const w = { center: 2048, width: 1025 }
    expect(displayValue(2048 - 0.5 - 512, w)).toBe(0)
    expect(displayValue(2048 - 0.5 + 512 + 1, w)).toBe(1)
    expect(displayValue(2047.5, w)).toBeCloseTo(0.5, 12)
    expect(displayValue(-1e6, w)).toBe(0)
  })
  it('thresholds at c - 0.5 for a width of 1', () => {
    expect(displayValue(100, { center: 100, width: 1 })).toBe(1)
    expect(displayValue(99.4, { center: 100, width: 1 })).toBe(0)
  })
})

describe('client-side approximation of a new window', () => {
  const apply = (t: { slope: number; intercept: number }, v: number) => t.slope * v + t.intercept
  const cases: Array<[Win, Win]> = [
    [{ center: 2048, width: 4096 }, { center: 1500, width: 1200 }],
    [{ center: 1000, width: 800 }, { center: 1100, width: 2400 }],
    [{ center: 3000, width: 100 }, { center: 3000, width: 100 }],
  ]
  it.each(cases)('is exact for pixels the rendered window did not clip (%o -> %o)', (r, t) => {
    const tf = approxTransform(r, t)
    const lo = r.center - r.width / 2 + 1
    const hi = r.center + r.width / 2 - 1
    for (let i = 0; i <= 20; i++) {
      const x = lo + ((hi - lo) * i) / 20
      const d0 = displayValue(x, r)
      const d1 = (x - (t.center - 0.5)) / (t.width - 1) + 0.5 // unclipped target
      expect(apply(tf, d0)).toBeCloseTo(d1, 9)
    }
  })

  it('is the identity for the same window and handles inversion on either side', () => {
    const w = { center: 2048, width: 2000 }
    expect(approxTransform(w, w)).toEqual({ slope: 1, intercept: 0 })
    const inv = approxTransform(w, w, false, true)
    expect([inv.slope, inv.intercept]).toEqual([-1, 1])
    const t = { center: 1800, width: 1500 }
    const both = approxTransform(w, t, true, true)
    const plain = approxTransform(w, t)
    for (const x of [1200, 1800, 2500]) {
      const e0 = 1 - displayValue(x, w)
      expect(apply(both, e0)).toBeCloseTo(1 - apply(plain, displayValue(x, w)), 12)
    }
  })
})

describe('render requests', () => {
  it('puts window, size, format and invert in a stable query, rounding the window', () => {
    expect(renderQuery({ window: { center: 1228.6, width: 2047.7 }, invert: true, size: 1024 })).toBe(
      'wc=1229&ww=2048&size=1024&format=png&invert=1',
    )
    expect(renderQuery({ window: null, invert: false, size: null, format: 'webp' })).toBe('format=webp&invert=0')
  })
  it('asks for the viewport size in device pixels, in 256 steps, capped by the image', () => {
    expect(renderSize(3000, 700, 1)).toBe(768)
    expect(renderSize(3000, 700, 2)).toBe(1536)
    expect(renderSize(500, 700, 2)).toBe(500)
    expect(renderSize(10000, 5000, 2)).toBe(4096)
    expect(renderSize(40, 700, 1)).toBe(64)
  })
})
