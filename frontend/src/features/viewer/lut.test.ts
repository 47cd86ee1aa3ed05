import { describe, expect, it } from 'vitest'
import { buildLut, paintGrey, SAMPLES, voiUnit, type Voi } from './lut'
import { parsePlane } from './plane'

/** The server's byte for a modality value: PS3.3 LINEAR written out independently, round half up. */
function serverByte(x: number, c: number, w: number, inverted: boolean): number {
  const lo = c - 0.5 - (w - 1) / 2
  const hi = c - 0.5 + (w - 1) / 2
  let y = x <= lo ? 0 : x > hi ? 1 : (x - (c - 0.5)) / (w - 1) + 0.5
  if (inverted) y = 1 - y
  return Math.floor(255 * y + 0.5)
}

describe('the browser VOI lookup table', () => {
  it('is the DICOM LINEAR window at full bit depth, for every sample of a CT in HU', () => {
    const scale = { slope: 1, intercept: -1024 }
    const voi: Voi = { kind: 'window', center: -600, width: 1500, fn: 'LINEAR' }
    const lut = buildLut(scale, voi, false)
    expect(lut.length).toBe(SAMPLES)
    for (const q of [0, 24, 200, 274, 424, 1000, 1773, 1774, 4095, 65535]) {
      expect(lut[q]).toBe(serverByte(q - 1024, -600, 1500, false))
    }
    // Air (-1000 HU) dark, lung (-800) grey, soft tissue (40) bright, bone (700) white.
    expect(lut[24]).toBeLessThan(lut[224])
    expect(lut[224]).toBeLessThan(lut[1064])
    expect(lut[1724]).toBe(255)
  })

  it('keeps MONOCHROME1 bone-white: inversion after the window, the user invert on top', () => {
    const scale = { slope: 1, intercept: 0 }
    const voi: Voi = { kind: 'window', center: 2048, width: 4096, fn: 'LINEAR' }
    const mono1 = buildLut(scale, voi, true)
    expect(mono1[0]).toBe(255) // low value = dense = white
    expect(mono1[4095]).toBe(0)
    for (const q of [1, 100, 2047, 3000]) expect(mono1[q]).toBe(serverByte(q, 2048, 4096, true))
    const userInverted = buildLut(scale, voi, false) // MONOCHROME1 XOR invert
    expect(userInverted[0]).toBe(0)
  })

  it('applies a fractional scale exactly (values = intercept + slope * sample)', () => {
    const scale = { slope: 0.25, intercept: 100 }
    const lut = buildLut(scale, { kind: 'window', center: 300, width: 201, fn: 'LINEAR' }, false)
    for (const q of [0, 399, 400, 401, 600, 800, 1200]) {
      expect(lut[q]).toBe(serverByte(100 + 0.25 * q, 300, 201, false))
    }
  })

  it('honours SIGMOID, LINEAR_EXACT and the file VOI LUT', () => {
    expect(voiUnit(50, { kind: 'window', center: 50, width: 20, fn: 'SIGMOID' })).toBeCloseTo(0.5, 12)
    expect(voiUnit(60, { kind: 'window', center: 50, width: 20, fn: 'LINEAR_EXACT' })).toBe(1)
    expect(voiUnit(55, { kind: 'window', center: 50, width: 20, fn: 'LINEAR_EXACT' })).toBeCloseTo(0.75, 12)
    const lutVoi: Voi = { kind: 'lut', lut: { first_mapped: 10, bits: 8, table: [0, 51, 255] } }
    expect(voiUnit(0, lutVoi)).toBe(0)
    expect(voiUnit(11, lutVoi)).toBeCloseTo(0.2, 12)
    expect(voiUnit(99, lutVoi)).toBe(1)
    const bytes = buildLut({ slope: 1, intercept: 10 }, lutVoi, false)
    expect([bytes[0], bytes[1], bytes[2], bytes[3]]).toEqual([0, 51, 255, 255])
  })

  it('paints grey RGBA through the table', () => {
    const lut = new Uint8Array(SAMPLES)
    lut[7] = 200
    const out = new Uint32Array(2)
    paintGrey(new Uint16Array([7, 0]), lut, out)
    // ImageData bytes are R, G, B, A per pixel.
    expect([...new Uint8Array(out.buffer)]).toEqual([200, 200, 200, 255, 0, 0, 0, 255])
  })
})

describe('the pixels endpoint body', () => {
  it('decodes shape, scale and value range, and refuses an incomplete body', () => {
    const samples = new Uint16Array([0, 10, 65535, 5, 7, 9])
    const headers: Record<string, string> = {
      'X-Arbiter-Rows': '2',
      'X-Arbiter-Cols': '3',
      'X-Arbiter-Slope': '0.5',
      'X-Arbiter-Intercept': '-1000',
    }
    const plane = parsePlane(samples.buffer, (h) => headers[h] ?? null)
    expect([plane.rows, plane.cols, plane.lo, plane.hi]).toEqual([2, 3, -1000, -1000 + 0.5 * 65535])
    expect(() => parsePlane(new Uint16Array(5).buffer, (h) => headers[h] ?? null)).toThrow(/incomplete/)
    expect(() => parsePlane(samples.buffer, () => null)).toThrow(/shape/)
  })
})
