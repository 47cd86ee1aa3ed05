/**
 * Grid selection (pure), as in a file manager: click selects one, Ctrl/Cmd+click toggles one,
 * Shift+click selects the range from the anchor, arrow keys move the focus (Shift extends).
 * Ids are the items' ids; `order` is the grid's current order.
 */

export interface Selection {
  selected: ReadonlySet<number>
  /** Index of the last plain or toggled click: the fixed end of a Shift range. */
  anchor: number | null
  /** Index with keyboard focus. */
  focus: number
}

export const EMPTY: Selection = { selected: new Set(), anchor: null, focus: 0 }

function range(order: readonly number[], a: number, b: number): Set<number> {
  const [lo, hi] = a <= b ? [a, b] : [b, a]
  return new Set(order.slice(lo, hi + 1))
}

export function click(
  s: Selection,
  order: readonly number[],
  index: number,
  mods: { shift?: boolean; toggle?: boolean } = {},
): Selection {
  if (index < 0 || index >= order.length) return s
  if (mods.shift && s.anchor != null) {
    const r = range(order, s.anchor, index)
    const selected = mods.toggle ? new Set([...s.selected, ...r]) : r
    return { selected, anchor: s.anchor, focus: index }
  }
  if (mods.toggle) {
    const selected = new Set(s.selected)
    const id = order[index]
    if (selected.has(id)) selected.delete(id)
    else selected.add(id)
    return { selected, anchor: index, focus: index }
  }
  return { selected: new Set([order[index]]), anchor: index, focus: index }
}

/** Move the focus by (dx, dy) cells in a grid of `columns`; with `extend`, select anchor..focus. */
export function move(
  s: Selection,
  order: readonly number[],
  columns: number,
  dx: number,
  dy: number,
  extend: boolean,
): Selection {
  if (order.length === 0) return s
  const cols = Math.max(1, columns)
  const focus = Math.min(order.length - 1, Math.max(0, s.focus + dx + dy * cols))
  if (extend) {
    const anchor = s.anchor ?? s.focus
    return { selected: range(order, anchor, focus), anchor, focus }
  }
  return { ...s, focus }
}

export function toggleFocused(s: Selection, order: readonly number[]): Selection {
  return click(s, order, s.focus, { toggle: true })
}

export function selectAll(order: readonly number[], s: Selection = EMPTY): Selection {
  return { selected: new Set(order), anchor: 0, focus: s.focus }
}

export function clear(s: Selection): Selection {
  return { selected: new Set(), anchor: null, focus: s.focus }
}

/** Keep only ids still present after the list changed (e.g. after a bulk action removed some). */
export function retain(s: Selection, order: readonly number[]): Selection {
  const present = new Set(order)
  const selected = new Set([...s.selected].filter((id) => present.has(id)))
  const focus = Math.min(s.focus, Math.max(0, order.length - 1))
  return { selected, anchor: s.anchor != null && s.anchor < order.length ? s.anchor : null, focus }
}

/** The selected ids in grid order (what a bulk action sends); the focused one if none is selected. */
export function targets(s: Selection, order: readonly number[]): number[] {
  if (s.selected.size === 0) return order.length ? [order[Math.min(s.focus, order.length - 1)]] : []
  return order.filter((id) => s.selected.has(id))
}
