/**
 * The admin console: datasets and their reading policy (an editable form), jobs with progress (any queued or
 * running job can be cancelled), uploads,
 * and (as their APIs land) training runs, the model registry, agreement and label-set snapshots.
 * Only admins reach it: the nav hides it from others and the server refuses their requests anyway.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { api, request, unwrap, type Schemas } from '../api/client'
import type { Dataset, Job } from '../api/types'
import { Link } from '../app/router'
import { isAdminAnywhere, isAdminOn, useMe } from '../app/session'
import { useAsync, useInterval } from '../app/useAsync'
import { cancellable, summaryText } from './console/jobs'
import { AuditPanel } from './console/AuditPanel'
import { DashboardPanel } from '../console/Dashboard'
import { OptionalSections } from './console/OptionalSections'
import { PolicyPanel } from './console/PolicyPanel'

export function AdminConsole({ dataset, section }: { dataset: number | null; section: string | null }) {
  const me = useMe()
  const datasets = useAsync(async () => unwrap(await api.GET('/api/v1/datasets/', {})).results, [])
  const [jobsTick, setJobsTick] = useState(0)
  if (!isAdminAnywhere(me)) {
    return (
      <section className="panel">
        <h1>Not available</h1>
        <p>The admin console is for dataset admins.</p>
      </section>
    )
  }
  const mine = (datasets.data ?? []).filter((d) => isAdminOn(me, d.id))
  const current = mine.find((d) => d.id === dataset) ?? mine[0]
  return (
    <div className="console" data-testid="admin-console">
      <nav className="console-nav" aria-label="Datasets you administer">
        <h1 className="h2">Admin console</h1>
        {datasets.loading && !datasets.data && <p className="loading">Loading…</p>}
        <ul>
          {mine.map((d) => (
            <li key={d.id}>
              <Link href={`/console/${d.id}`} aria-current={current?.id === d.id ? 'page' : undefined}>
                {d.name}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {current ? (
        <div className="console-main">
          <DashboardPanel key={`dash-${current.id}`} dataset={current} onJob={() => setJobsTick((t) => t + 1)} />
          <PolicyPanel key={current.id} dataset={current} onSaved={datasets.reload} />
          <JobsPanel dataset={current} tick={jobsTick} onSettled={datasets.reload} />
          <UploadPanel
            dataset={current}
            onQueued={() => {
              setJobsTick((t) => t + 1)
              datasets.reload()
            }}
          />
          <OptionalSections dataset={current} section={section} />
          {me.is_staff && <AuditPanel />}
        </div>
      ) : (
        datasets.data && <p>You administer no dataset.</p>
      )}
    </div>
  )
}

export function Progress({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total > 0 ? Math.min(100, Math.round((100 * done) / total)) : 0
  return (
    <div className="progress-wrap">
      <progress max={total > 0 ? total : undefined} value={total > 0 ? done : undefined} aria-label={label} />
      <span className="muted">{total > 0 ? `${done} / ${total} (${pct}%)` : `${done}`}</span>
    </div>
  )
}

function JobsPanel({ dataset, tick, onSettled }: { dataset: Dataset; tick: number; onSettled: () => void }) {
  const jobs = useAsync(
    async () => unwrap(await api.GET('/api/v1/jobs/', {})).results.filter((j) => j.dataset === dataset.id),
    [dataset.id, tick],
  )
  const active = (jobs.data ?? []).some((j) => j.status === 'queued' || j.status === 'running')
  useInterval(jobs.reload, 1500, active)
  // When the last running job finishes, the dataset's counts changed: reload them.
  const wasActive = useRef(false)
  useEffect(() => {
    if (wasActive.current && !active) onSettled()
    wasActive.current = active
  }, [active, onSettled])
  const [message, setMessage] = useState<string | null>(null)
  const runNlp = async () => {
    setMessage(null)
    try {
      const job = unwrap(await api.POST('/api/v1/datasets/{id}/nlp/', { params: { path: { id: dataset.id } } }))
      setMessage(`NLP labelling job #${job.id} queued.`)
      jobs.reload()
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <section className="panel" aria-labelledby="jobs-h">
      <h3 id="jobs-h">Jobs</h3>
      <p className="actions">
        <button type="button" className="button" onClick={runNlp}>
          Label the reports with NLP
        </button>
      </p>
      {message && <p role="status">{message}</p>}
      {jobs.error && <p role="alert">{jobs.error}</p>}
      {jobs.data && jobs.data.length === 0 && <p className="muted">No jobs yet.</p>}
      {jobs.data && jobs.data.length > 0 && (
        <table className="jobs" data-testid="jobs-table">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Summary</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.map((j) => (
              <JobRow key={j.id} job={j} onChange={jobs.reload} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function JobRow({ job, onChange }: { job: Job; onChange: () => void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const cancel = async () => {
    setBusy(true)
    setError(null)
    try {
      unwrap(await api.POST('/api/v1/jobs/{id}/cancel/', { params: { path: { id: job.id } } }))
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
      onChange()
    }
  }
  return (
    <tr data-testid={`job-${job.id}`} data-status={job.status}>
      <td>#{job.id}</td>
      <td>{job.kind}</td>
      <td className={`status-${job.status}`}>{job.status}</td>
      <td>
        <Progress done={job.done ?? 0} total={job.total ?? 0} label={`Progress of job ${job.id}`} />
      </td>
      <td className="muted">{summaryText(job)}</td>
      <td>
        {cancellable(job) && (
          <button
            type="button"
            className="button"
            onClick={cancel}
            disabled={busy}
            aria-label={`Cancel ${job.kind} job ${job.id}`}
          >
            {busy ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {error && <span role="alert">{error}</span>}
      </td>
    </tr>
  )
}

const IMPORTERS: Record<Schemas['ImporterEnum'], string> = {
  dicom: 'DICOM file, folder zip or DICOM SR',
  chestxray14: 'ChestX-ray14 (NIH) zip',
  chexpert: 'CheXpert zip',
  google4: 'Google NIH expert labels (4 findings) CSV',
  kermany: 'Kermany OCT / pediatric CXR zip',
  reports: 'Reports CSV',
}

function UploadPanel({ dataset, onQueued }: { dataset: Dataset; onQueued: () => void }) {
  const [importer, setImporter] = useState<Schemas['ImporterEnum']>('dicom')
  const [file, setFile] = useState<File | null>(null)
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<string | null>(null)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!file) return
    setBusy(true)
    setMessage(null)
    const body = new FormData()
    body.set('importer', importer)
    body.set('file', file)
    try {
      const job = await request<Job>('POST', `/api/v1/datasets/${dataset.id}/imports/`, body)
      setMessage(`Import job #${job.id} queued; its progress shows above.`)
      onQueued()
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section className="panel" aria-labelledby="upload-h">
      <h3 id="upload-h">Import data</h3>
      <form className="upload" onSubmit={submit}>
        <label>
          Importer
          <select value={importer} onChange={(e) => setImporter(e.target.value as Schemas['ImporterEnum'])}>
            {Object.entries(IMPORTERS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          File
          <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <button type="submit" className="button primary" disabled={!file || busy}>
          {busy ? 'Uploading…' : 'Upload and import'}
        </button>
      </form>
      {message && <p role="status">{message}</p>}
    </section>
  )
}
