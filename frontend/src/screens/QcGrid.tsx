/**
 * The QC grid: flagged images as thumbnails, many selected at once with click, Shift+click,
 * Ctrl+click and the keyboard, then confirmed / rejected / corrected (rotate, invert) in bulk, or
 * fixed in one key press (f): each flag's own suggested fix (rotate back, mirror back, invert back)
 * applied to the derived image, the stored pixels untouched. Each cell says what was detected and
 * what the fix does, and previews the fixed image on hover / focus. Filtered by kind and probability.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import { keyInput, resolveKey } from '../app/hotkeys'
import { useKeys } from '../ui/useKeys'
import { clear, click, EMPTY, move, retain, selectAll, targets, toggleFocused, type Selection } from '../features/qc/selection'
import { fixPreviewStyle, QC_KINDS, qcAct, qcList, type QcAction, type QcItem, type QcKind } from '../features/qc/source'
import { useAsync } from '../ui/useAsync'


export function QcGrid({ dataset }: { dataset: number }) {
  const [kind, setKind] = useState<QcKind | ''>('')
  const [angle, setAngle] = useState<90 | 180 | 270>(90)
  const [minProb, setMinProb] = useState(0.5)
  const list = useAsync(() => qcList(dataset, { kind, minProbability: minProb }), [dataset, kind, minProb])
  const items: QcItem[] = useMemo(() => list.data ?? [], [list.data])
  const order = useMemo(() => items.map((i) => i.id), [items])
  const [sel, setSel] = useState<Selection>(EMPTY)
  const [status, setStatus] = useState<string | null>(null)
  const gridRef = useRef<HTMLDivElement>(null)
  const [columns, setColumns] = useState(6)

  useEffect(() => {
    setSel((s) => retain(s, order))
  }, [order])
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
    if (ids.length === 0) return
    setStatus(`Applying ${action} to ${ids.length}…`)
    try {
      const r = await qcAct(dataset, ids, action, angle)
      setStatus(
        `${action}: ${r.resolved} flag${r.resolved === 1 ? '' : 's'} resolved` +
          (r.excluded ? `, ${r.excluded} excluded from reading` : '') +
          (r.released ? `, ${r.released} back to reading` : '') +
          '.',
      )
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
      case 'qc-fix':
        void act('fix')
        return true
      default:
        return false
    }
  })

  useEffect(() => {
    const el = gridRef.current?.querySelector<HTMLElement>(`[data-index="${sel.focus}"]`)
    void el?.scrollIntoView({ block: 'nearest' })
  }, [sel.focus])

  const count = targets(sel, order).length
  const byId = useMemo(() => new Map(items.map((i) => [i.id, i])), [items])
  const fixable = targets(sel, order).every((id) => byId.get(id)?.fix != null)
  return (
    <div className="qc">
      <div className="qc-bar" role="toolbar" aria-label="QC filters and bulk actions">
        <label>
          Flag
          <select value={kind} onChange={(e) => setKind(e.target.value as QcKind | '')} aria-label="Filter by flag type">
            <option value="">all flags</option>
            {Object.entries(QC_KINDS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
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
        <button type="button" className="button primary" disabled={!count} onClick={() => act('confirm')}>
          Confirm (c)
        </button>
        <button type="button" className="button" disabled={!count} onClick={() => act('reject')}>
          Reject (x)
        </button>
        <button type="button" className="button" disabled={!count} onClick={() => act('rotate')}>
          Rotate (r)
        </button>
        <select
          value={angle}
          onChange={(e) => setAngle(Number(e.target.value) as 90 | 180 | 270)}
          aria-label="Rotation (clockwise)"
        >
          <option value={90}>90°</option>
          <option value={180}>180°</option>
          <option value={270}>270°</option>
        </select>
        <button type="button" className="button" disabled={!count} onClick={() => act('invert')}>
          Invert (i)
        </button>
        <button
          type="button"
          className="button primary"
          disabled={!count || !fixable}
          title={fixable ? 'Apply each flag’s suggested fix' : 'Some selected flags carry no suggested fix'}
          onClick={() => act('fix')}
        >
          Fix (f)
        </button>
      </div>
      {status && (
        <p role="status" className="qc-status">
          {status}
        </p>
      )}
      {list.error && <p role="alert">{list.error}</p>}
      {list.data && items.length === 0 && (
        <p className="muted qc-status" data-testid="qc-empty">
          No open flags match.
        </p>
      )}
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
              aria-label={
                `Image ${it.imageId}, flagged ${QC_KINDS[it.kind]} ${Math.round(it.probability * 100)}%` +
                (it.detected ? `, ${it.detected}` : '') +
                (it.fixLabel ? `; fix: ${it.fixLabel}` : '')
              }
              data-index={i}
              data-testid="qc-cell"
              data-flag-id={it.id}
              className={`qc-cell${selected ? ' selected' : ''}${sel.focus === i ? ' focused' : ''}`}
              onMouseDown={(e) => e.preventDefault()}
              onClick={(e) => {
                gridRef.current?.focus({ preventScroll: true })
                setSel((s) => click(s, order, i, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey }))
              }}
            >
              <img src={it.thumbnailUrl} alt="" loading="lazy" draggable={false} />
              {it.fix && (
                <img
                  className="qc-fix-preview"
                  src={it.thumbnailUrl}
                  alt=""
                  loading="lazy"
                  draggable={false}
                  style={fixPreviewStyle(it.fix)}
                  data-testid="qc-fix-preview"
                />
              )}
              <span className="qc-tag">
                {QC_KINDS[it.kind]} {Math.round(it.probability * 100)}%
              </span>
              {(it.detected || it.fixLabel) && (
                <span className="qc-fix" data-testid="qc-fix">
                  {it.detected && <span className="qc-detected">{it.detected}</span>}
                  {it.fixLabel && <span className="qc-fix-label">fix: {it.fixLabel}</span>}
                </span>
              )}
            </div>
          )
        })}
      </div>
    </div>
  )
}
