/** The worklist in the admin console: its counts by state, and queueing images for reading. */
import { useState } from 'react'
import type { Dataset } from '../../api/types'
import { useAsync } from '../../ui/useAsync'
import { enqueueRandom, worklistSummary } from './source'

export function WorklistPanel({ dataset }: { dataset: Dataset }) {
  const summary = useAsync(() => worklistSummary(dataset.id), [dataset.id])
  const [message, setMessage] = useState<string | null>(null)
  const [limit, setLimit] = useState('')
  const enqueue = async () => {
    setMessage(null)
    try {
      const r = await enqueueRandom(dataset.id, limit ? Number(limit) : null)
      setMessage(`${r.queued} queued for reading, ${r.held_for_qc} held for QC, ${r.skipped} skipped.`)
      summary.reload()
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e))
    }
  }
  const s = summary.data
  return (
    <section className="panel" aria-labelledby="wl-h">
      <h3 id="wl-h">Worklist</h3>
      {summary.error && <p role="alert">{summary.error}</p>}
      {s && (
        <dl className="facts two" data-testid="worklist-summary">
          {Object.entries(s.items).map(([k, v]) => (
            <div key={k}>
              <dt>Items {k.replace(/_/g, ' ')}</dt>
              <dd>{v}</dd>
            </div>
          ))}
          {Object.entries(s.cases).map(([k, v]) => (
            <div key={`c${k}`}>
              <dt>Cases {k.replace(/_/g, ' ')}</dt>
              <dd>{v}</dd>
            </div>
          ))}
          <div>
            <dt>Claimed reads</dt>
            <dd>{s.claimed_reads}</dd>
          </div>
          <div>
            <dt>Open QC flags</dt>
            <dd>{s.open_qc_flags}</dd>
          </div>
        </dl>
      )}
      <div className="upload">
        <label>
          How many (empty = all)
          <input type="number" min={1} value={limit} onChange={(e) => setLimit(e.target.value)} />
        </label>
        <button type="button" className="button" onClick={enqueue}>
          Queue images for reading (random order)
        </button>
      </div>
      {message && <p role="status">{message}</p>}
    </section>
  )
}
