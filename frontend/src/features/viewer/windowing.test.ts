import { describe, expect, it } from 'vitest'
import { displayValue, dragWindow, presetForKey, renderSize, windowLabel, type Preset } from './windowing'

const preset = (key: string, center: number, width: number): Preset => ({
  key,
  label: key,
  center,
  width,
  source: 'hu',
  function: 'LINEAR',
})

describe('windows', () => {
  it('drags like OHIF: x changes width, y changes centre, scaled by the image value range', () => {
    const start = { center: 2000, width: 3000 }
    // A 0..4095 image: 4 modality units per pixel.
    expect(dragWindow(start, 10, 0, 4096)).toEqual({ center: 2000, width: 3040 })
    expect(dragWindow(start, 0, -25, 4096)).toEqual({ center: 1900, width: 3000 })
    // A CT spanning -1024..3071 HU drags the same; a tiny range still moves.
    expect(dragWindow({ center: -600, width: 1500 }, 0, 10, 4095).center).toBeCloseTo(-560, 1)
    expect(dragWindow(start, 1, 1, 0)).toEqual({ center: 2000 + 1 / 1024, width: 3000 + 1 / 1024 })
  })

  it('never drags the width below 1', () => {
    expect(dragWindow({ center: 100, width: 50 }, -1000, 0, 4096).width).toBe(1)
  })

  it('picks presets by number key in the server order, nothing past the list or 9', () => {
    const list = [preset('default', 40, 400), preset('lung', -600, 1500), preset('bone', 480, 2500)]
    expect(presetForKey(list, 1)?.key).toBe('default')
    expect(presetForKey(list, 2)?.key).toBe('lung')
    expect(presetForKey(list, 4)).toBeNull()
    expect(presetForKey(list, 0)).toBeNull()
    const many = Array.from({ length: 12 }, (_, i) => preset(`p${i}`, i, 10))
    expect(presetForKey(many, 9)?.key).toBe('p8')
    expect(presetForKey(many, 10)).toBeNull()
  })

  it('labels a window in its units', () => {
    expect(windowLabel({ center: -600.4, width: 1500 }, 'HU')).toBe('W 1500 / L -600 HU')
    expect(windowLabel({ center: 2048, width: 4096 }, '')).toBe('W 4096 / L 2048')
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

describe('pixel plane size', () => {
  it('asks for the viewport size in device pixels, in 256 steps, capped by the image', () => {
    expect(renderSize(3000, 700, 1)).toBe(768)
    expect(renderSize(3000, 700, 2)).toBe(1536)
    expect(renderSize(500, 700, 2)).toBe(500)
    expect(renderSize(10000, 5000, 2)).toBe(4096)
    expect(renderSize(40, 700, 1)).toBe(64)
  })
})
