/**
 * The admin console (route `/console/{dataset}`): the datasets the user administers, and for the one
 * chosen its panels, top to bottom: dashboard, reading policy, jobs (any queued or running job can be
 * cancelled), import, training runs, model registry, worklist, stuck cases, final labels, agreement,
 * the NLP loop, label-set snapshots, and for platform staff the access audit. Each panel is a feature
 * (`src/features/<what it owns>/`) with its own data source; this route only composes them.
 * Only admins reach it: the nav hides it from others and the server refuses their requests anyway.
 */
import { useCallback, useState } from 'react'
import { Link } from '../app/router'
import { isAdminAnywhere, isAdminOn, useMe } from '../app/session'
import { AgreementPanel } from '../features/agreement/AgreementPanel'
import { AuditPanel } from '../features/audit/AuditPanel'
import { DashboardPanel } from '../features/dashboard/Dashboard'
import { listDatasets } from '../features/datasets/source'
import { FinalLabelsPanel } from '../features/final-labels/FinalLabelsPanel'
import { UploadPanel } from '../features/imports/UploadPanel'
import { JobsPanel } from '../features/jobs/JobsPanel'
import { NlpContradictionsPanel } from '../features/nlp-loop'
import { PolicyPanel } from '../features/policy/PolicyPanel'
import { RegistryPanel } from '../features/registry/RegistryPanel'
import { SnapshotsPanel } from '../features/snapshots/SnapshotsPanel'
import { StuckCasesPanel } from '../features/stuck-cases/StuckCasesPanel'
import { TrainingPanel } from '../features/training/TrainingPanel'
import { WorklistPanel } from '../features/worklist/WorklistPanel'
import { useAsync } from '../ui/useAsync'

export function AdminConsole({ dataset }: { dataset: number | null; section: string | null }) {
  const me = useMe()
  const datasets = useAsync(listDatasets, [])
  const [jobsTick, setJobsTick] = useState(0)
  const [registryTick, setRegistryTick] = useState(0)
  const bumpRegistry = useCallback(() => setRegistryTick((t) => t + 1), [])
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
          <TrainingPanel dataset={current} onFinished={bumpRegistry} />
          <RegistryPanel dataset={current} tick={registryTick} />
          <WorklistPanel dataset={current} />
          <StuckCasesPanel dataset={current} />
          <FinalLabelsPanel dataset={current} />
          <AgreementPanel dataset={current} />
          <NlpContradictionsPanel dataset={current} />
          <SnapshotsPanel dataset={current} />
          {me.is_staff && <AuditPanel />}
        </div>
      ) : (
        datasets.data && <p>You administer no dataset.</p>
      )}
    </div>
  )
}
