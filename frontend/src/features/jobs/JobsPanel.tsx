/**
 * The console's jobs table: a dataset's jobs with their progress and summary, polled while one is
 * queued or running; any queued or running job can be cancelled; the NLP labelling job starts here.
 */
import { useEffect, useRef, useState } from 'react'
import type { Dataset, Job } from '../../api/types'
import { Progress } from '../../ui/Progress'
import { useAsync, useInterval } from '../../ui/useAsync'
import { cancellable, summaryText } from './jobs'
import { cancelJob, datasetJobs, startNlp } from './source'

export function JobsPanel({ dataset, tick, onSettled }: { dataset: Dataset; tick: number; onSettled: () => void }) {
  const jobs = useAsync(() => datasetJobs(dataset.id), [dataset.id, tick])
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
      const job = await startNlp(dataset.id)
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
      await cancelJob(job.id)
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
