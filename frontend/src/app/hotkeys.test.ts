import { describe, expect, it } from 'vitest'
import { resolveKey } from './hotkeys'

describe('viewer keys', () => {
  it('maps number keys to window presets', () => {
    expect(resolveKey('viewer', { key: '1' })).toEqual({ type: 'preset', index: 1 })
    expect(resolveKey('viewer', { key: '2' })).toEqual({ type: 'preset', index: 2 })
    expect(resolveKey('viewer', { key: '9' })).toEqual({ type: 'preset', index: 9 })
    expect(resolveKey('viewer', { key: '0' })).toBeNull()
  })
  it('maps i, r and zoom keys, and ignores them with Ctrl or in a text field', () => {
    expect(resolveKey('viewer', { key: 'i' })).toEqual({ type: 'invert' })
    expect(resolveKey('viewer', { key: 'r' })).toEqual({ type: 'reset' })
    expect(resolveKey('viewer', { key: '+' })).toEqual({ type: 'zoom', factor: 1.25 })
    expect(resolveKey('viewer', { key: 'r', ctrlKey: true })).toBeNull()
    expect(resolveKey('viewer', { key: 'i', editable: true })).toBeNull()
  })
})

describe('reading keys', () => {
  it('labels the active finding and moves between findings', () => {
    expect(resolveKey('reading', { key: 'p' })).toEqual({ type: 'set-value', value: 'positive' })
    expect(resolveKey('reading', { key: 'a' })).toEqual({ type: 'set-value', value: 'negative' })
    expect(resolveKey('reading', { key: 'u' })).toEqual({ type: 'set-value', value: 'uncertain' })
    expect(resolveKey('reading', { key: 'ArrowDown' })).toEqual({ type: 'finding-move', delta: 1 })
    expect(resolveKey('reading', { key: 'k' })).toEqual({ type: 'finding-move', delta: -1 })
    expect(resolveKey('reading', { key: 'x' })).toEqual({ type: 'all-unset-absent' })
    expect(resolveKey('reading', { key: 'o' })).toEqual({ type: 'toggle-overlay' })
    expect(resolveKey('viewer', { key: 'o' })).toBeNull()
  })
  it('keeps viewer keys on the reading screen', () => {
    expect(resolveKey('reading', { key: '3' })).toEqual({ type: 'preset', index: 3 })
    expect(resolveKey('reading', { key: 'i' })).toEqual({ type: 'invert' })
  })
  it('submits on Enter, and only on Ctrl/Cmd+Enter inside a comment', () => {
    expect(resolveKey('reading', { key: 'Enter' })).toEqual({ type: 'submit' })
    expect(resolveKey('reading', { key: 'Enter', editable: true })).toBeNull()
    expect(resolveKey('reading', { key: 'Enter', editable: true, ctrlKey: true })).toEqual({ type: 'submit' })
    expect(resolveKey('reading', { key: 'Enter', editable: true, metaKey: true })).toEqual({ type: 'submit' })
    expect(resolveKey('reading', { key: 'p', editable: true })).toBeNull()
    expect(resolveKey('reading', { key: 'Escape', editable: true })).toEqual({ type: 'leave-field' })
  })
})

describe('QC grid keys', () => {
  it('moves, extends with Shift and selects all with Ctrl+A', () => {
    expect(resolveKey('qc', { key: 'ArrowRight' })).toEqual({ type: 'qc-move', dx: 1, dy: 0, extend: false })
    expect(resolveKey('qc', { key: 'ArrowDown', shiftKey: true })).toEqual({ type: 'qc-move', dx: 0, dy: 1, extend: true })
    expect(resolveKey('qc', { key: 'a', ctrlKey: true })).toEqual({ type: 'qc-select-all' })
    expect(resolveKey('qc', { key: ' ' })).toEqual({ type: 'qc-toggle' })
  })
  it('maps bulk actions, which a text field (the filter) does not trigger', () => {
    expect(resolveKey('qc', { key: 'c' })).toEqual({ type: 'qc-confirm' })
    expect(resolveKey('qc', { key: 'x' })).toEqual({ type: 'qc-reject' })
    expect(resolveKey('qc', { key: 'r' })).toEqual({ type: 'qc-rotate' })
    expect(resolveKey('qc', { key: 'i' })).toEqual({ type: 'qc-invert' })
    expect(resolveKey('qc', { key: 'c', editable: true })).toBeNull()
  })
})

describe('measurement tools and stack scrolling keys', () => {
  it('chooses a tool with w, l, d, v and deletes with Delete / Backspace', () => {
    expect(resolveKey('viewer', { key: 'l' })).toEqual({ type: 'tool', tool: 'length' })
    expect(resolveKey('reading', { key: 'd' })).toEqual({ type: 'tool', tool: 'bidirectional' })
    expect(resolveKey('reading', { key: 'V' })).toEqual({ type: 'tool', tool: 'ellipse' })
    expect(resolveKey('viewer', { key: 'w' })).toEqual({ type: 'tool', tool: 'window' })
    expect(resolveKey('reading', { key: 'Delete' })).toEqual({ type: 'delete-measurement' })
    expect(resolveKey('reading', { key: 'Backspace', editable: true })).toBeNull() // a comment keeps it
  })
  it('steps through the stack with the arrows (up / down stay the findings)', () => {
    expect(resolveKey('reading', { key: 'ArrowRight' })).toEqual({ type: 'next-image' })
    expect(resolveKey('reading', { key: 'ArrowLeft' })).toEqual({ type: 'prev-image' })
    expect(resolveKey('viewer', { key: 'PageDown' })).toEqual({ type: 'next-image' })
    expect(resolveKey('reading', { key: 'ArrowDown' })).toEqual({ type: 'finding-move', delta: 1 })
  })
})
