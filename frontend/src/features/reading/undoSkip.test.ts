import { describe, expect, it } from 'vitest'
import { resolveKey } from '../../app/hotkeys'
import { progressOf } from './progress'
import { answersOf, secondsLeft } from './undoState'

describe('undo and skip', () => {
  it('counts the grace period down to zero, never below', () => {
    expect(secondsLeft(1000, 1000, 60)).toBe(60)
    expect(secondsLeft(1000, 1000 + 59_100, 60)).toBe(1)
    expect(secondsLeft(1000, 1000 + 60_000, 60)).toBe(0)
    expect(secondsLeft(1000, 1000 + 99_000, 60)).toBe(0)
  })
  it('turns an undone read back into the screen answers', () => {
    expect(answersOf([{ finding: 'Fracture', value: 'positive', comment: 'rib 6' }])).toEqual({
      Fracture: { value: 'positive', comment: 'rib 6' },
    })
  })
  it('has keys z (undo), s (skip), b / Esc (back to the item), none inside a text field', () => {
    expect(resolveKey('reading', { key: 'z' })).toEqual({ type: 'undo' })
    expect(resolveKey('reading', { key: 's' })).toEqual({ type: 'skip' })
    expect(resolveKey('reading', { key: 'b' })).toEqual({ type: 'back-to-item' })
    expect(resolveKey('reading', { key: 'Escape' })).toEqual({ type: 'back-to-item' })
    expect(resolveKey('reading', { key: 'z', editable: true })).toBeNull()
  })
  it('counts answered findings of N', () => {
    const q = { single: false, rows: [{ key: 'A', name: 'A' }, { key: 'B', name: 'B' }] }
    expect(progressOf(q, {})).toEqual({ answered: 0, total: 2, left: 2 })
    expect(progressOf(q, { A: { value: 'negative', comment: '' } })).toEqual({ answered: 1, total: 2, left: 1 })
    expect(progressOf({ single: true, rows: q.rows }, { __choice__: { value: 'A', comment: '' } })).toEqual({
      answered: 1,
      total: 1,
      left: 0,
    })
  })
})
