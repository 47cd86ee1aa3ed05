/**
 * The viewer's measurement state: the tool in use, the finished measurements of the image shown, and
 * the one being drawn. Length and ellipse are one drag; bidirectional is two: the long axis, then the
 * short axis (made perpendicular to it). Esc cancels what is being drawn, then leaves the tool.
 * Measurements live with the image on screen (they are reading aids, never stored, never pixels).
 */
import { useCallback, useMemo, useRef, useState } from 'react'
import { distance, initialShortAxis, perpendicularAxis, type Measurement, type Point, type Spacing, type Tool } from './measure'

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never

/** Shorter drags (in image pixels) are clicks, not measurements. */
const MIN_DRAG = 2

export interface MeasureControl {
  tool: Tool
  setTool: (t: Tool) => void
  items: readonly Measurement[]
  /** What is being drawn (shown dashed), if anything. */
  draft: Measurement | null
  selected: number | null
  select: (id: number | null) => void
  begin: (p: Point) => void
  move: (p: Point) => void
  end: () => void
  /** Esc: true if something was cancelled or the tool left. */
  cancel: () => boolean
  /** Deletes the given, else the selected, else the last measurement; false if there was none. */
  remove: (id?: number) => boolean
  drawing: boolean
}

export function useMeasurements(spacing: Spacing): MeasureControl {
  const [tool, setToolState] = useState<Tool>('window')
  const [items, setItems] = useState<Measurement[]>([])
  const [drag, setDrag] = useState<{ start: Point; now: Point } | null>(null)
  const [pendingLong, setPendingLong] = useState<readonly [Point, Point] | null>(null)
  const [selected, setSelected] = useState<number | null>(null)
  const nextId = useRef(1)

  const setTool = useCallback((t: Tool) => {
    setToolState(t)
    setDrag(null)
    setPendingLong(null)
  }, [])

  const draft = useMemo((): Measurement | null => {
    if (tool === 'bidirectional' && pendingLong) {
      const short = drag ? perpendicularAxis(pendingLong, drag.start, drag.now, spacing) : initialShortAxis(pendingLong, spacing)
      return { id: 0, kind: 'bidirectional', long: pendingLong, short }
    }
    if (!drag) return null
    if (tool === 'length' || tool === 'bidirectional') return { id: 0, kind: 'length', a: drag.start, b: drag.now }
    if (tool === 'ellipse') return { id: 0, kind: 'ellipse', a: drag.start, b: drag.now }
    return null
  }, [tool, drag, pendingLong, spacing])

  const begin = useCallback((p: Point) => setDrag({ start: p, now: p }), [])
  const move = useCallback((p: Point) => setDrag((d) => (d ? { ...d, now: p } : d)), [])

  const push = useCallback((m: DistributiveOmit<Measurement, 'id'>) => {
    const id = nextId.current++
    setItems((xs) => [...xs, { ...m, id } as Measurement])
    setSelected(id)
  }, [])

  const end = useCallback(() => {
    const d = drag
    setDrag(null)
    if (!d) return
    const far = distance(d.start, d.now, null) >= MIN_DRAG
    if (tool === 'length' && far) push({ kind: 'length', a: d.start, b: d.now })
    else if (tool === 'ellipse' && Math.abs(d.now.x - d.start.x) >= 1 && Math.abs(d.now.y - d.start.y) >= 1) {
      push({ kind: 'ellipse', a: d.start, b: d.now })
    } else if (tool === 'bidirectional') {
      if (!pendingLong) {
        if (far) setPendingLong([d.start, d.now])
        return
      }
      // A click (no drag) keeps the proposed short axis; a drag draws it.
      const short = far ? perpendicularAxis(pendingLong, d.start, d.now, spacing) : initialShortAxis(pendingLong, spacing)
      push({ kind: 'bidirectional', long: pendingLong, short })
      setPendingLong(null)
    }
  }, [drag, tool, pendingLong, push, spacing])

  const cancel = useCallback((): boolean => {
    if (drag || pendingLong) {
      setDrag(null)
      setPendingLong(null)
      return true
    }
    if (tool !== 'window') {
      setToolState('window')
      return true
    }
    return false
  }, [drag, pendingLong, tool])

  const remove = useCallback(
    (id?: number): boolean => {
      const target = id ?? selected ?? items[items.length - 1]?.id
      if (target == null || !items.some((m) => m.id === target)) return false
      setItems((xs) => xs.filter((m) => m.id !== target))
      setSelected(null)
      return true
    },
    [items, selected],
  )

  return {
    tool,
    setTool,
    items,
    draft,
    selected,
    select: setSelected,
    begin,
    move,
    end,
    cancel,
    remove,
    drawing: drag != null || pendingLong != null,
  }
}
