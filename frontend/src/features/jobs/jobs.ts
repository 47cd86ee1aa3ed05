/**
 * What the admin console's jobs table shows and offers per job (pure, unit-tested).
 */
import type { Job } from '../../api/types'

/** Every kind of job can be cancelled while queued or running (issue #19: every worker checks its
 * job and stops; a job whose worker is gone is cancelled at once). */
export function cancellable(job: Pick<Job, 'kind' | 'status'>): boolean {
  return job.status === 'queued' || job.status === 'running'
}

/** The summary as "key value" parts, scalars only (a running scoring job's chunk plan and per-chunk
 * detail are no summary), plus the error count. */
export function summaryText(job: Pick<Job, 'summary' | 'errors'>): string {
  const s = job.summary as Record<string, unknown> | null | undefined
  const parts =
    s && typeof s === 'object'
      ? Object.entries(s)
          .filter(([, v]) => v === null || typeof v !== 'object')
          .map(([k, v]) => `${k} ${String(v)}`)
      : []
  const errors = Array.isArray(job.errors) ? job.errors.length : 0
  if (errors) parts.push(`${errors} errors`)
  return parts.join(' · ')
}
