import { describe, expect, it } from 'vitest'
import { clear, click, EMPTY, move, retain, selectAll, targets, toggleFocused } from './selection'

const order = [10, 11, 12, 13, 14, 15, 16, 17]
const ids = (s: { selected: ReadonlySet<number> }) => [...s.selected].sort((a, b) => a - b)

describe('grid selection', () => {
  it('click selects one, Shift+click a range from the anchor, Ctrl+click toggles', () => {
    let s = click(EMPTY, order, 2)
    expect(ids(s)).toEqual([12])
    s = click(s, order, 5, { shift: true })
    expect(ids(s)).toEqual([12, 13, 14, 15])
    s = click(s, order, 0, { shift: true })
    expect(ids(s)).toEqual([10, 11, 12])
    s = click(s, order, 7, { toggle: true })
    expect(ids(s)).toEqual([10, 11, 12, 17])
    s = click(s, order, 11 - 10, { toggle: true })
    expect(ids(s)).toEqual([10, 12, 17])
  })

  it('moves the focus in a grid and extends the selection with Shift', () => {
    let s = click(EMPTY, order, 1)
    s = move(s, order, 3, 0, 1, false)
    expect(s.focus).toBe(4)
    expect(ids(s)).toEqual([11])
    s = move(s, order, 3, 1, 0, true)
    expect(ids(s)).toEqual([11, 12, 13, 14, 15])
    s = move(s, order, 3, 0, 5, false)
    expect(s.focus).toBe(7)
  })

  it('toggles the focused item, selects all, clears', () => {
    let s = toggleFocused(EMPTY, order)
    expect(ids(s)).toEqual([10])
    s = selectAll(order, s)
    expect(ids(s)).toEqual(order)
    expect(ids(clear(s))).toEqual([])
  })

  it('targets the selection in grid order, else the focused item', () => {
    const s = click(click(EMPTY, order, 6), order, 2, { toggle: true })
    expect(targets(s, order)).toEqual([12, 16])
    expect(targets({ ...EMPTY, focus: 3 }, order)).toEqual([13])
    expect(targets(EMPTY, [])).toEqual([])
  })

  it('drops ids that left the grid', () => {
    const s = selectAll(order)
    const r = retain({ ...s, focus: 7 }, [10, 12])
    expect(ids(r)).toEqual([10, 12])
    expect(r.focus).toBe(1)
  })
})
