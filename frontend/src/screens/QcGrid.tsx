/**
 * The QC grid: flagged images as thumbnails, many selected at once with click, Shift+click,
 * Ctrl+click and the keyboard, then confirmed / rejected / corrected (rotate, invert) in bulk;
 * filtered by flag kind and probability.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import { keyInput, resolveKey } from '../app/hotkeys'
import { useKeys } from '../app/useKeys'
import { clear, click, EMPTY, move, retain, selectAll, targets, toggleFocused, type Selection } from '../qc/selection'
import { qcAct, qcList, type QcAction, type QcItem } from '../qc/source'
import { useAsync } from '../app/useAsync'

const KINDS = ['', 'rotated', 'inverted', 'non_frontal', 'wrong_body_part', 'pediatric'] as const

export function QcGrid({ dataset }: { dataset: number }) {
  const [kind, setKind] = useState<string>('')
  const [minProb, setMinProb] = useState(0.5)
  const list = useAsync(() => qcList(dataset, { kind, minProbability: minProb }), [dataset, kind, minProb])
  const items: QcItem[] = useMemo(() => list.data?.items ?? [], [list.data])
  const order = useMemo(() => items.map((i) => i.id), [items])
  const [sel, setSel] = useState<Selection>(EMPTY)
  const [status, setStatus] = useState<string | null>(null)
  const gridRef = useRef<HTMLDivElement>(null)
  const [columns, setColumns] = useState(6)

  useEffect(() => setSel((s) => retain(s, order)), [order])
  useEffect(() => {
    const el = gridRef.current
    if (!el) return
    const measure = () => setColumns(Math.max(1, Math.floor(el.clientWidth / 168)))
    measure()
    const ro = new ResizeObserver(measure)
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  const act = async (action: QcAction) => {
    const ids = targets(sel, order)
    if (ids.length === 0 || !list.data?.canAct) return
    setStatus(`Applying ${action} to ${ids.length}…`)
    try {
      const n = await qcAct(dataset, ids, action)
      setStatus(`${action}: ${n} flag${n === 1 ? '' : 's'} done.`)
      setSel((s) => clear(s))
      list.reload()
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e))
    }
  }

  useKeys((e) => {
    const a = resolveKey('qc', keyInput(e))
    if (!a) return false
    switch (a.type) {
      case 'qc-move':
        setSel((s) => move(s, order, columns, a.dx, a.dy, a.extend))
        return true
      case 'qc-toggle':
        setSel((s) => toggleFocused(s, order))
        return true
      case 'qc-select-all':
        setSel((s) => selectAll(order, s))
        return true
      case 'qc-clear':
        setSel((s) => clear(s))
        return true
      case 'qc-confirm':
        void act('confirm')
        return true
      case 'qc-reject':
        void act('reject')
        return true
      case 'qc-rotate':
        void act('rotate')
        return true
      case 'qc-invert':
        void act('invert')
        return true
      default:
        return false
    }
  })

  useEffect(() => {
    const el = gridRef.current?.querySelector<HTMLElement>(`[data-index="${sel.focus}"]`)
    el?.scrollIntoView({ block: 'nearest' })
  }, [sel.focus])

  const count = targets(sel, order).length
  return (
    <div className="qc">
      <div className="qc-bar" role="toolbar" aria-label="QC filters and bulk actions">
        <label>
          Flag
          <select value={kind} onChange={(e) => setKind(e.target.value)} aria-label="Filter by flag type">
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k ? k.replace(/_/g, ' ') : 'all flags'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Probability ≥ {minProb.toFixed(2)}
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={minProb}
            onChange={(e) => setMinProb(Number(e.target.value))}
            aria-label="Minimum flag probability"
          />
        </label>
        <span className="muted" aria-live="polite" data-testid="qc-count">
          {sel.selected.size} selected of {items.length}
        </span>
        <span className="spacer" />
        <button type="button" className="button primary" disabled={!count || !list.data?.canAct} onClick={() => act('confirm')}>
          Confirm (c)
        </button>
        <button type="button" className="button" disabled={!count || !list.data?.canAct} onClick={() => act('reject')}>
          Reject (x)
        </button>
        <button type="button" className="button" disabled={!count || !list.data?.canAct} onClick={() => act('rotate')}>
          Rotate 90° (r)
        </button>
        <button type="button" className="button" disabled={!count || !list.data?.canAct} onClick={() => act('invert')}>
          Invert (i)
        </button>
      </div>
      {status && (
        <p role="status" className="qc-status">
          {status}
        </p>
      )}
      {list.error && <p role="alert">{list.error}</p>}
      {list.data?.note && <p className="muted">{list.data.note}</p>}
      <div
        ref={gridRef}
        className="qc-grid"
        role="listbox"
        aria-multiselectable="true"
        aria-label="Flagged images"
        tabIndex={0}
        aria-activedescendant={order.length ? `qc-${order[sel.focus]}` : undefined}
      >
        {items.map((it, i) => {
          const selected = sel.selected.has(it.id)
          return (
            <div
              key={it.id}
              id={`qc-${it.id}`}
              role="option"
              aria-selected={selected}
              aria-label={`Image ${it.imageId}${it.kind ? `, flagged ${it.kind.replace(/_/g, ' ')}` : ''}${
                it.probability != null ? ` ${Math.round(it.probability * 100)}%` : ''
              }`}
              data-index={i}
              className={`qc-cell${selected ? ' selected' : ''}${sel.focus === i ? ' focused' : ''}`}
              onMouseDown={(e) => e.preventDefault()}
              onClick={(e) => {
                gridRef.current?.focus({ preventScroll: true })
                setSel((s) => click(s, order, i, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey }))
              }}
            >
              <img src={it.thumbnailUrl} alt="" loading="lazy" draggable={false} />
              <span className="qc-tag">
                {it.kind ? it.kind.replace(/_/g, ' ') : `#${it.imageId}`}
                {it.probability != null ? ` ${Math.round(it.probability * 100)}%` : ''}
              </span>
            </div>
          )
        })}
      </div>
    </div>
  )
}
