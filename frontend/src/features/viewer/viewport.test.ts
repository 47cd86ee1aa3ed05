import { describe, expect, it } from 'vitest'
import { cssTransform, fitSize, HOME, MAX_SCALE, pan, wheelFactor, zoomAt } from './viewport'

describe('zoom and pan', () => {
  it('keeps the point under the cursor fixed when zooming', () => {
    const v = zoomAt({ scale: 1, tx: 10, ty: -5 }, 2, 100, 50)
    // screen position of image point p: t + s * p; p under cursor (100,50) was (90, 55)
    expect(v.scale).toBe(2)
    expect(v.tx + 2 * 90).toBeCloseTo(100)
    expect(v.ty + 2 * 55).toBeCloseTo(50)
  })
  it('clamps the scale', () => {
    expect(zoomAt(HOME, 1000).scale).toBe(MAX_SCALE)
  })
  it('pans and builds the CSS transform', () => {
    expect(cssTransform(pan(HOME, 3, -4))).toBe('translate(3px, -4px) scale(1)')
  })
  it('zooms in on wheel up and out on wheel down, symmetrically', () => {
    expect(wheelFactor(-100)).toBeGreaterThan(1)
    expect(wheelFactor(100) * wheelFactor(-100)).toBeCloseTo(1, 12)
  })
  it('fits an image inside the viewport keeping its aspect', () => {
    expect(fitSize(2000, 1000, 800, 800)).toEqual({ width: 800, height: 400 })
    expect(fitSize(1000, 2000, 800, 600)).toEqual({ width: 300, height: 600 })
  })
})
