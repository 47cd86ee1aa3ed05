/**
 * The dataset dashboard at the top of the console (issue #17.6): the dataset's state at a glance
 * (images and items, never labels), agreement as Fleiss' kappa per finding with its bar plot,
 * per-reader progress and speed, and a button for every job with its live progress.
 */
import { useState } from 'react'
import type { Dataset, Job } from '../../api/types'
import { useAsync, useInterval } from '../../ui/useAsync'
import './dashboard.css'
import { kappaBar, kappaWords, latestByKind, tilesOf } from './dashboard'
import { datasetJobs, loadDashboard, runQc, scoreWithProduction, snapshotFinalLabels, startNlp } from './source'

const JOB_LABEL: Record<string, string> = {
  import: 'Import',
  nlp: 'NLP labelling',
  qc: 'Bad-image detection',
  scoring: 'Scoring',
  export: 'Snapshot',
}

export function DashboardPanel({ dataset, onJob }: { dataset: Dataset; onJob?: () => void }) {
  const dash = useAsync(() => loadDashboard(dataset.id), [dataset.id])
  const jobs = useAsync(() => datasetJobs(dataset.id), [dataset.id])
  const active = (jobs.data ?? []).some((j) => j.status === 'queued' || j.status === 'running')
  useInterval(
    () => {
      jobs.reload()
      dash.reload()
    },
    1500,
    active,
  )
  const [message, setMessage] = useState<string | null>(null)
  const start = async (what: string, call: () => Promise<{ id: number } | unknown>) => {
    setMessage(null)
    try {
      const job = (await call()) as { id?: number } | undefined
      setMessage(`${what} queued${job && typeof job.id === 'number' ? ` (job #${job.id})` : ''}.`)
      jobs.reload()
      onJob?.()
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e))
    }
  }
  const latest = latestByKind<Job>(jobs.data ?? [])
  const d = dash.data
  return (
    <section className="panel dashboard" aria-labelledby="dash-h" data-testid="dashboard">
      <h2 id="dash-h" className="h3">
        {dataset.name}: at a glance
      </h2>
      {dash.error && <p role="alert">{dash.error}</p>}
      {d && (
        <>
          <ul className="tiles" aria-label="Dataset counts">
            {tilesOf(d).map((t) => (
              <li key={t.key} className="tile" title={t.hint} data-tile={t.key}>
                <span className="tile-value">{t.value}</span>
                <span className="tile-label">{t.label}</span>
              </li>
            ))}
          </ul>
          <div className="dash-row">
            <figure className="kappa" data-testid="kappa-plot">
              <figcaption>Agreement (Fleiss' kappa per finding, items read by the full panel)</figcaption>
              {d.kappa.every((k) => k.fleiss_kappa == null) && <p className="muted">No item is final yet.</p>}
              <svg width="100%" height={d.kappa.length * 16 + 4} role="img" aria-label="Kappa per finding">
                {d.kappa.map((k, i) => (
                  <g key={k.finding} transform={`translate(0, ${i * 16 + 2})`}>
                    <text x="0" y="11" className="kappa-name">
                      {k.finding}
                    </text>
                    <rect x="45%" y="2" width={`${kappaBar(k.fleiss_kappa) * 40}%`} height="10" className="kappa-bar" />
                    <text x="87%" y="11" className="kappa-value">
                      {k.fleiss_kappa == null ? '—' : k.fleiss_kappa.toFixed(2)}
                    </text>
                    <title>{`${k.finding}: ${kappaWords(k.fleiss_kappa)} (${k.items} items)`}</title>
                  </g>
                ))}
              </svg>
            </figure>
            <table className="readers" data-testid="reader-progress">
              <caption>Readers: progress and speed</caption>
              <thead>
                <tr>
                  <th scope="col">Reader</th>
                  <th scope="col">First reads</th>
                  <th scope="col">Last hour</th>
                  <th scope="col">Median s / read</th>
                </tr>
              </thead>
              <tbody>
                {d.readers.length === 0 && (
                  <tr>
                    <td colSpan={4} className="muted">
                      No read yet.
                    </td>
                  </tr>
                )}
                {d.readers.map((r) => (
                  <tr key={r.username}>
                    <td>{r.username}</td>
                    <td>{r.first_reads}</td>
                    <td>{r.last_hour}</td>
                    <td>{r.median_seconds ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <div className="job-buttons" role="group" aria-label="Jobs">
        <a className="button" href="#upload-h" data-job="import">
          Import…
        </a>
        <button
          type="button"
          className="button"
          data-job="nlp"
          onClick={() => start('NLP labelling', () => startNlp(dataset.id))}
        >
          Run NLP
        </button>
        <button
          type="button"
          className="button"
          data-job="qc"
          onClick={() => start('Bad-image detection', () => runQc(dataset.id))}
        >
          Run QC
        </button>
        <button type="button" className="button" data-job="scoring" onClick={() => start('Scoring', () => scoreWithProduction(dataset.id))}>
          Score with the production model
        </button>
        <a className="button" href="#train-h" data-job="training">
          Train…
        </a>
        <button
          type="button"
          className="button"
          data-job="export"
          onClick={() => start('Snapshot', () => snapshotFinalLabels(dataset.id))}
        >
          Snapshot the final labels
        </button>
      </div>
      {message && (
        <p role="status" data-testid="dashboard-message">
          {message}
        </p>
      )}
      <ul className="job-live" aria-label="Latest job of each kind" data-testid="job-live">
        {Object.values(latest).map((j) => (
          <li key={j.kind} data-kind={j.kind} data-status={j.status}>
            <span className="job-kind">{JOB_LABEL[j.kind] ?? j.kind}</span>
            <progress max={j.total || undefined} value={j.total ? j.done : undefined} aria-label={`${j.kind} progress`} />
            <span className="muted">
              {j.status}
              {j.total ? ` ${j.done}/${j.total}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
