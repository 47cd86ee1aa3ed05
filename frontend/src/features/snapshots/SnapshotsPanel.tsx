/** Label-set snapshots in the admin console: create one of all final labels, watch it being
 * written, download it (CSV, JSON Lines). */
import { useState } from 'react'
import type { Dataset } from '../../api/types'
import { useAsync, useInterval } from '../../ui/useAsync'
import { createSnapshot, listSnapshots } from './source'

export function SnapshotsPanel({ dataset }: { dataset: Dataset }) {
  const snaps = useAsync(() => listSnapshots(dataset.id), [dataset.id])
  const building = (snaps.data ?? []).some((s) => s.status === 'building')
  useInterval(snaps.reload, 1000, building)
  const [message, setMessage] = useState<string | null>(null)
  /** The snapshot just asked for: its line follows its status (it said "being written" forever). */
  const [created, setCreated] = useState<number | null>(null)
  const mine = (snaps.data ?? []).find((s) => s.number === created)
  const createdText =
    mine == null
      ? null
      : mine.status === 'ready'
        ? `Snapshot v${mine.number} is ready: ${mine.row_count} images, ${mine.label_count} labels.`
        : mine.status === 'building'
          ? `Snapshot v${mine.number} is being written.`
          : `Snapshot v${mine.number} ${mine.status}.`
  const create = async () => {
    setMessage(null)
    try {
      const s = await createSnapshot(dataset.id)
      setCreated(s.number)
      snaps.reload()
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <section className="panel" aria-labelledby="snap-h">
      <h3 id="snap-h">Label-set snapshots</h3>
      <button type="button" className="button primary" onClick={create} data-testid="snapshot-create">
        Create snapshot of all final labels
      </button>
      {(message ?? createdText) && (
        <p role="status" data-testid="snapshot-message">
          {message ?? createdText}
        </p>
      )}
      {snaps.error && <p role="alert">{snaps.error}</p>}
      {snaps.data && snaps.data.length > 0 && (
        <table data-testid="snapshots">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Images</th>
              <th scope="col">Labels</th>
              <th scope="col">SHA-256 (CSV)</th>
              <th scope="col">Download</th>
            </tr>
          </thead>
          <tbody>
            {snaps.data.map((s) => (
              <tr key={s.id} data-number={s.number} data-status={s.status}>
                <td>v{s.number}</td>
                <td className={`status-${s.status === 'ready' ? 'succeeded' : s.status}`}>{s.status}</td>
                <td>{s.row_count}</td>
                <td>{s.label_count}</td>
                <td className="muted" title={s.csv_sha256}>
                  {s.csv_sha256 ? `${s.csv_sha256.slice(0, 12)}…` : '—'}
                </td>
                <td>
                  {s.status === 'ready' ? (
                    <>
                      <a href={s.download_csv} download data-testid={`download-csv-${s.number}`}>
                        CSV
                      </a>{' '}
                      · <a href={s.download_jsonl} download>JSON Lines</a>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
