import { describe, expect, it } from 'vitest'
import { resolveKey } from '../../app/hotkeys'
import { fixOf, fixPreviewStyle } from './fix'

describe('QC suggested fixes', () => {
  it('reads the detector detail: what it saw and what undoes it', () => {
    const r = fixOf({
      predicted: 'mirrored left-right',
      fix: { rotate: 0, flip: true, invert: false },
      fix_label: 'mirror left-right',
    })
    expect(r).toEqual({
      fix: { rotate: 0, flip: true, invert: false },
      label: 'mirror left-right',
      detected: 'mirrored left-right',
    })
    expect(fixOf({ predicted: 'rotated 90° counter-clockwise', fix: { rotate: 90, flip: false, invert: false } }).fix).toEqual(
      { rotate: 90, flip: false, invert: false },
    )
  })
  it('treats rule flags, empty fixes and nonsense as no fix', () => {
    expect(fixOf({ rule: 'ViewPosition', value: 'LL' }).fix).toBeNull()
    expect(fixOf(null).fix).toBeNull()
    expect(fixOf({ fix: { rotate: 0, flip: false, invert: false } }).fix).toBeNull()
    expect(fixOf({ fix: 'rotate' }).fix).toBeNull()
    expect(fixOf({ fix: { rotate: 45, invert: true } }).fix).toEqual({ rotate: 0, flip: false, invert: true })
    expect(fixOf({ predicted: 'upright' }).detected).toBeNull()
  })
  it('previews the fix as CSS: the clockwise turn first, then the mirror, and inversion as a filter', () => {
    expect(fixPreviewStyle(null)).toEqual({})
    expect(fixPreviewStyle({ rotate: 90, flip: false, invert: false })).toEqual({ transform: 'rotate(90deg)' })
    expect(fixPreviewStyle({ rotate: 180, flip: true, invert: false })).toEqual({
      transform: 'scaleX(-1) rotate(180deg)',
    })
    expect(fixPreviewStyle({ rotate: 0, flip: false, invert: true })).toEqual({ filter: 'invert(1)' })
  })
  it('f applies the suggested fix on the QC screen only, never from a text field', () => {
    expect(resolveKey('qc', { key: 'f' })).toEqual({ type: 'qc-fix' })
    expect(resolveKey('qc', { key: 'F' })).toEqual({ type: 'qc-fix' })
    expect(resolveKey('qc', { key: 'f', ctrlKey: true })).toBeNull()
    expect(resolveKey('qc', { key: 'f', editable: true })).toBeNull()
  })
})
