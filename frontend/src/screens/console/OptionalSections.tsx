/**
 * Console sections for reading and export: the worklist (counts, queue images for reading), final
 * labels with how each was reached, reader agreement (Fleiss' and Cohen's kappa), label-set
 * snapshots (create, watch the build, download), training runs and the model registry.
 */
import { useCallback, useState } from 'react'
import { api, unwrap } from '../../api/client'
import type { Dataset } from '../../api/types'
import { useAsync, useInterval } from '../../app/useAsync'
import { RegistryPanel, TrainingPanel } from './LearningPanels'
import { StuckCasesPanel } from './StuckCasesPanel'
import { NlpContradictionsPanel } from '../../console/nlpLoop'

export function OptionalSections({ dataset }: { dataset: Dataset; section: string | null }) {
  const [registryTick, setRegistryTick] = useState(0)
  const bump = useCallback(() => setRegistryTick((t) => t + 1), [])
  return (
    <>
      <TrainingPanel dataset={dataset} onFinished={bump} />
      <RegistryPanel dataset={dataset} tick={registryTick} />
      <WorklistPanel dataset={dataset} />
      <StuckCasesPanel dataset={dataset} />
      <FinalLabelsPanel dataset={dataset} />
      <AgreementPanel dataset={dataset} />
      <NlpContradictionsPanel dataset={dataset} />
      <SnapshotsPanel dataset={dataset} />
    </>
  )
}

function WorklistPanel({ dataset }: { dataset: Dataset }) {
  const summary = useAsync(
    async () =>
      unwrap(
        await api.GET('/api/v1/datasets/{dataset_id}/worklist/summary/', {
          params: { path: { dataset_id: dataset.id } },
        }),
      ),
    [dataset.id],
  )
  const [message, setMessage] = useState<string | null>(null)
  const [limit, setLimit] = useState('')
  const enqueue = async () => {
    setMessage(null)
    try {
      const r = unwrap(
        await api.POST('/api/v1/datasets/{dataset_id}/worklist/enqueue/', {
          params: { path: { dataset_id: dataset.id } },
          body: { strategy: 'random', seed: 0, ...(limit ? { limit: Number(limit) } : {}) },
        }),
      )
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

function FinalLabelsPanel({ dataset }: { dataset: Dataset }) {
  const labels = useAsync(
    async () =>
      unwrap(
        await api.GET('/api/v1/datasets/{dataset_id}/final-labels/', {
          params: { path: { dataset_id: dataset.id } },
        }),
      ),
    [dataset.id],
  )
  const rows = labels.data?.results ?? []
  return (
    <section className="panel" aria-labelledby="final-h">
      <h3 id="final-h">Final labels</h3>
      {labels.error && <p role="alert">{labels.error}</p>}
      {labels.data && rows.length === 0 && <p className="muted">No final labels yet.</p>}
      {rows.length > 0 && (
        <table data-testid="final-labels">
          <thead>
            <tr>
              <th scope="col">Image</th>
              <th scope="col">Finding</th>
              <th scope="col">Value</th>
              <th scope="col">How reached</th>
              <th scope="col">Rounds</th>
              <th scope="col">Version</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((l) => (
              <tr key={l.id} data-finding={l.finding} data-image={l.image}>
                <td>
                  <a href={`/images/${l.image}`}>{l.image}</a>
                </td>
                <td>{l.finding}</td>
                <td className={`v-${l.value}`}>{l.value}</td>
                <td>{l.provenance.how_reached}</td>
                <td>{l.provenance.rounds}</td>
                <td>{l.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {labels.data && labels.data.count > rows.length && (
        <p className="muted">
          Showing {rows.length} of {labels.data.count}.
        </p>
      )}
    </section>
  )
}

const fmt = (x: number | null | undefined) => (x == null ? '—' : x.toFixed(2))

function AgreementPanel({ dataset }: { dataset: Dataset }) {
  const ag = useAsync(
    async () =>
      unwrap(
        await api.GET('/api/v1/datasets/{dataset_id}/agreement/', { params: { path: { dataset_id: dataset.id } } }),
      ),
    [dataset.id],
  )
  const a = ag.data
  return (
    <section className="panel" aria-labelledby="ag-h">
      <h3 id="ag-h">Reader agreement</h3>
      {ag.error && <p role="alert">{ag.error}</p>}
      {a && a.items_done === 0 && <p className="muted">No final items yet.</p>}
      {a && a.items_done > 0 && (
        <>
          <p className="muted">{a.items_done} final items.</p>
          <table>
            <thead>
              <tr>
                <th scope="col">Finding</th>
                <th scope="col">Items</th>
                <th scope="col">Fleiss κ</th>
                <th scope="col">NLP vs final (κ)</th>
                <th scope="col">Model vs final (κ)</th>
              </tr>
            </thead>
            <tbody>
              {a.findings.map((f) => (
                <tr key={f.finding}>
                  <td>{f.finding}</td>
                  <td>{f.n_items}</td>
                  <td>{fmt(f.fleiss_kappa)}</td>
                  <td>{fmt(f.nlp.kappa)}</td>
                  <td>{fmt(f.model.kappa)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <thead>
              <tr>
                <th scope="col">Reader</th>
                <th scope="col">Items</th>
                <th scope="col">Agreement with final</th>
                <th scope="col">κ with final</th>
              </tr>
            </thead>
            <tbody>
              {a.readers.map((r) => (
                <tr key={r.reader}>
                  <td>{r.username}</td>
                  <td>{r.n}</td>
                  <td>{fmt(r.agreement)}</td>
                  <td>{fmt(r.kappa)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}

function SnapshotsPanel({ dataset }: { dataset: Dataset }) {
  const snaps = useAsync(
    async () =>
      unwrap(
        await api.GET('/api/v1/datasets/{dataset_id}/label-sets/', { params: { path: { dataset_id: dataset.id } } }),
      ).results,
    [dataset.id],
  )
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
      const s = unwrap(
        await api.POST('/api/v1/datasets/{dataset_id}/label-sets/', {
          params: { path: { dataset_id: dataset.id } },
          body: {},
        }),
      )
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
