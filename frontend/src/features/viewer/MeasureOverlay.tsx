/**
 * Measurements drawn over the image as SVG in the image's own coordinates (viewBox = its pixels), so
 * they follow zoom and pan with the image and never touch the canvas' pixels; and the list of
 * measurements with their values and a delete button.
 */
import type { ReactNode } from 'react'
import {
  describe,
  distance,
  ellipseArea,
  ellipseStats,
  unit,
  type Measurement,
  type PlaneValues,
  type Spacing,
} from './measure'

interface Props {
  cols: number
  rows: number
  items: readonly Measurement[]
  draft: Measurement | null
  selected: number | null
  /** On-screen CSS pixels per image pixel (fit x zoom): keeps labels and handles a constant size. */
  screenScale: number
}

function shape(m: Measurement, k: number, cls: string): ReactNode {
  const handle = (p: { x: number; y: number }, i: number) => <circle key={i} cx={p.x} cy={p.y} r={3 / k} />
  switch (m.kind) {
    case 'length':
      return (
        <g className={cls} data-kind="length">
          <line x1={m.a.x} y1={m.a.y} x2={m.b.x} y2={m.b.y} />
          {[m.a, m.b].map(handle)}
        </g>
      )
    case 'bidirectional':
      return (
        <g className={cls} data-kind="bidirectional">
          <line x1={m.long[0].x} y1={m.long[0].y} x2={m.long[1].x} y2={m.long[1].y} />
          <line x1={m.short[0].x} y1={m.short[0].y} x2={m.short[1].x} y2={m.short[1].y} />
          {[...m.long, ...m.short].map(handle)}
        </g>
      )
    case 'ellipse':
      return (
        <g className={cls} data-kind="ellipse">
          <ellipse
            cx={(m.a.x + m.b.x) / 2}
            cy={(m.a.y + m.b.y) / 2}
            rx={Math.abs(m.b.x - m.a.x) / 2}
            ry={Math.abs(m.b.y - m.a.y) / 2}
          />
        </g>
      )
  }
}

export function MeasureShapes({ cols, rows, items, draft, selected, screenScale }: Props) {
  const k = screenScale > 0 ? screenScale : 1
  return (
    <svg
      className="measure-layer"
      data-testid="measure-layer"
      viewBox={`0 0 ${cols} ${rows}`}
      preserveAspectRatio="none"
      aria-hidden="true"
    >
      {items.map((m) => (
        <g key={m.id}>{shape(m, k, m.id === selected ? 'measure selected' : 'measure')}</g>
      ))}
      {draft && shape(draft, k, 'measure draft')}
    </svg>
  )
}

/** The primary value of a measurement (mm or px; mm² or px² for an ellipse), for the list's data. */
function primary(m: Measurement, s: Spacing): number {
  if (m.kind === 'length') return distance(m.a, m.b, s)
  if (m.kind === 'bidirectional') return distance(m.long[0], m.long[1], s)
  return ellipseArea(m.a, m.b, s)
}

export function MeasureList({
  items,
  selected,
  spacing,
  plane,
  cols,
  rows,
  units,
  onSelect,
  onDelete,
}: {
  items: readonly Measurement[]
  selected: number | null
  spacing: Spacing
  plane: PlaneValues | null
  cols: number
  rows: number
  units: string
  onSelect: (id: number) => void
  onDelete: (id: number) => void
}) {
  if (items.length === 0) return null
  return (
    // Its clicks are its own, not the start of a drag on the image underneath.
    <ol
      className="viewer-overlay tr measure-list"
      aria-label="Measurements"
      onPointerDown={(e) => e.stopPropagation()}
      onDoubleClick={(e) => e.stopPropagation()}
    >
      {items.map((m, i) => {
        const stats = m.kind === 'ellipse' && plane ? ellipseStats(m.a, m.b, plane, cols, rows) : null
        const text = describe(m, spacing, stats, units)
        return (
          <li
            key={m.id}
            data-testid="measurement"
            data-kind={m.kind}
            data-value={primary(m, spacing).toFixed(3)}
            data-unit={unit(spacing)}
            data-mean={stats ? stats.mean.toFixed(3) : undefined}
            aria-current={m.id === selected ? 'true' : undefined}
          >
            <button type="button" className="measure-pick" onClick={() => onSelect(m.id)}>
              {i + 1}. {text}
            </button>
            <button type="button" className="measure-delete" aria-label={`Delete measurement ${i + 1}`} onClick={() => onDelete(m.id)}>
              ×
            </button>
          </li>
        )
      })}
    </ol>
  )
}
