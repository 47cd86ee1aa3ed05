import { describe, expect, it } from 'vitest'
import {
  describe as describeMeasurement,
  distance,
  ellipseArea,
  ellipseStats,
  initialShortAxis,
  perpendicularAxis,
  toImage,
  type Point,
} from './measure'

const dot = (a: [Point, Point], b: [Point, Point], s: readonly [number, number]) =>
  (a[1].x - a[0].x) * s[1] * (b[1].x - b[0].x) * s[1] + (a[1].y - a[0].y) * s[0] * (b[1].y - b[0].y) * s[0]

describe('length', () => {
  it('is the 3-4-5 triangle in mm with isotropic spacing and in px without', () => {
    expect(distance({ x: 0, y: 0 }, { x: 30, y: 40 }, [0.5, 0.5])).toBeCloseTo(25)
    expect(distance({ x: 0, y: 0 }, { x: 30, y: 40 }, null)).toBeCloseTo(50)
  })
  it('reads PixelSpacing as row, column', () => {
    // 100 columns at 0.2 mm and 100 rows at 0.5 mm.
    expect(distance({ x: 0, y: 0 }, { x: 100, y: 0 }, [0.5, 0.2])).toBeCloseTo(20)
    expect(distance({ x: 0, y: 0 }, { x: 0, y: 100 }, [0.5, 0.2])).toBeCloseTo(50)
  })
  it('labels the unit', () => {
    expect(describeMeasurement({ id: 1, kind: 'length', a: { x: 0, y: 0 }, b: { x: 625, y: 0 } }, [0.16, 0.16])).toBe(
      'Length 100.0 mm',
    )
    expect(describeMeasurement({ id: 1, kind: 'length', a: { x: 0, y: 0 }, b: { x: 3, y: 4 } }, null)).toBe('Length 5 px')
  })
})

describe('bidirectional', () => {
  it('makes the short axis perpendicular in physical space, even with anisotropic pixels', () => {
    const s = [0.5, 0.25] as const
    const long: [Point, Point] = [{ x: 10, y: 10 }, { x: 90, y: 50 }]
    const short = perpendicularAxis(long, { x: 40, y: 60 }, { x: 60, y: 0 }, s)
    expect(Math.abs(dot(long, short, s))).toBeLessThan(1e-9)
  })
  it('keeps the reach of each drawn end along the normal', () => {
    // Horizontal long axis; the drawn short axis slants: only its vertical extent counts.
    const long: [Point, Point] = [{ x: 0, y: 50 }, { x: 100, y: 50 }]
    const [a, b] = perpendicularAxis(long, { x: 40, y: 30 }, { x: 60, y: 80 }, null)
    expect(a).toEqual({ x: 50, y: 30 })
    expect(b).toEqual({ x: 50, y: 80 })
    expect(distance(a, b, [0.2, 0.2])).toBeCloseTo(10)
  })
  it('starts with a perpendicular half as long as the long axis, at its middle', () => {
    const long: [Point, Point] = [{ x: 0, y: 0 }, { x: 80, y: 60 }]
    const short = initialShortAxis(long, [1, 1])
    expect(distance(short[0], short[1], [1, 1])).toBeCloseTo(50)
    expect((short[0].x + short[1].x) / 2).toBeCloseTo(40)
    expect(Math.abs(dot(long, short, [1, 1]))).toBeLessThan(1e-9)
  })
})

describe('ellipse', () => {
  it('has the area pi * a * b in mm²', () => {
    expect(ellipseArea({ x: 0, y: 0 }, { x: 20, y: 10 }, [0.5, 0.5])).toBeCloseTo(Math.PI * 5 * 2.5)
    expect(ellipseArea({ x: 20, y: 10 }, { x: 0, y: 0 }, null)).toBeCloseTo(Math.PI * 10 * 5)
  })
  it('gives the mean and SD of the modality values inside, on a smaller plane too', () => {
    // 40x40 plane of a 80x80 image: left half value 10, right half 30 (stored 5/15, slope 2).
    const cols = 40
    const samples = new Uint16Array(cols * cols).map((_, k) => (k % cols < 20 ? 5 : 15))
    const plane = { rows: 40, cols, slope: 2, intercept: 0, samples }
    const inside = ellipseStats({ x: 4, y: 4 }, { x: 36, y: 36 }, plane, 80, 80)!
    expect(inside.mean).toBeCloseTo(10)
    expect(inside.sd).toBeCloseTo(0)
    const across = ellipseStats({ x: 20, y: 20 }, { x: 60, y: 60 }, plane, 80, 80)!
    expect(across.mean).toBeCloseTo(20)
    expect(across.sd).toBeCloseTo(10)
    // Circle of radius 10 plane pixels: about pi * 100 pixel centres.
    expect(Math.abs(across.n - Math.PI * 100)).toBeLessThan(12)
    const tiny = ellipseStats({ x: 70, y: 70 }, { x: 70.2, y: 70.1 }, plane, 80, 80)!
    expect([tiny.mean, tiny.n]).toEqual([30, 1])
  })
})

describe('screen to image', () => {
  it('follows the zoomed and panned on-screen box of the image', () => {
    // 1000x500 image drawn at 2x zoom as a 800x400 box whose top-left is at (-100, 50).
    const rect = { left: -100, top: 50, width: 800, height: 400 }
    expect(toImage(300, 250, rect, 1000, 500)).toEqual({ x: 500, y: 250 })
    expect(toImage(-100, 50, rect, 1000, 500)).toEqual({ x: 0, y: 0 })
  })
})
