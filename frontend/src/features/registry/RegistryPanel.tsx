/**
 * The model registry in the admin console: per-finding AUROC table, ROC curves, the comparison with
 * the production model as a forest plot, promote (after a confirmation), roll back. Admin only; the
 * server checks the role on every call.
 */
import { useState } from 'react'
import type { Dataset } from '../../api/types'
import { f3, num } from '../../ui/format'
import { useAsync } from '../../ui/useAsync'
import { findingDeltas, findingMetrics, type FindingMetrics } from './metrics'
import { AurocTable, ComparisonPlot, RocPlot } from './ModelPlots'
import {
  listVersions,
  promoteVersion,
  rollbackKind,
  versionDetail,
  versionRoc,
  type Promotion,
  type Version,
} from './source'

export function RegistryPanel({ dataset, tick }: { dataset: Dataset; tick: number }) {
  const versions = useAsync(() => listVersions(dataset.id), [dataset.id, tick])
  const [open, setOpen] = useState<number | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  const act = async (what: () => Promise<Promotion>) => {
    setMessage(null)
    try {
      const r = await what()
      setMessage(
        `${r.model_version.version_tag} is now ${r.model_version.status}` +
          (r.retired ? `; ${r.retired.version_tag} retired` : '') +
          (r.scoring_job ? `; re-ranking as job #${r.scoring_job.id}` : '') +
          '.',
      )
      versions.reload()
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e))
    }
  }
  const promote = (v: Version) => act(() => promoteVersion(v.id))
  const rollback = (kind: string) => act(() => rollbackKind(dataset.id, kind))
  const list = versions.data ?? []
  const production = list.find((v) => v.status === 'production')
  // Promoting changes what ranks every worklist: it asks first, with the metrics beside the question.
  const [confirming, setConfirming] = useState<Version | null>(null)
  const auroc = (v: Version | undefined) => f3((v?.summary as Record<string, unknown> | undefined)?.macro_auroc)
  return (
    <section className="panel" aria-labelledby="reg-h">
      <h3 id="reg-h">Model registry</h3>
      {versions.error && <p role="alert">{versions.error}</p>}
      {message && <p role="status">{message}</p>}
      {versions.data && list.length === 0 && <p className="muted">No trained model yet.</p>}
      {list.length > 0 && (
        <table data-testid="model-versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Macro AUROC</th>
              <th scope="col">vs production</th>
              <th scope="col" aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.map((v) => {
              const cmp = v.comparison as Record<string, unknown> | null
              return (
                <tr key={v.id} data-status={v.status}>
                  <td>{v.version_tag}</td>
                  <td className={v.status === 'production' ? 'status-succeeded' : undefined}>{v.status}</td>
                  <td>{f3((v.summary as Record<string, unknown>).macro_auroc)}</td>
                  <td>
                    {cmp && num(cmp.macro_delta) != null
                      ? `Δ ${(cmp.macro_delta as number) >= 0 ? '+' : ''}${(cmp.macro_delta as number).toFixed(3)}${
                          cmp.candidate_better ? ' (better)' : ''
                        }`
                      : cmp && typeof cmp.error === 'string'
                        ? cmp.error
                        : '—'}
                  </td>
                  <td className="actions">
                    <button type="button" className="button" aria-expanded={open === v.id} onClick={() => setOpen(open === v.id ? null : v.id)}>
                      {open === v.id ? 'Hide metrics' : 'Metrics'}
                    </button>
                    {v.status === 'candidate' && (
                      <button
                        type="button"
                        className="button primary"
                        onClick={() => {
                          setConfirming(v)
                          setOpen(v.id)
                        }}
                        aria-label={`Promote ${v.version_tag}`}
                      >
                        Promote
                      </button>
                    )}
                    {v.status === 'production' && v.previous_production != null && (
                      <button type="button" className="button" onClick={() => rollback(v.kind)} aria-label={`Roll back ${v.kind}`}>
                        Roll back
                      </button>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {confirming && (
        <div className="confirm" role="alertdialog" aria-label="Confirm promotion" data-testid="promote-confirm">
          <p>
            Promote {confirming.version_tag} to production? Its test macro AUROC is {auroc(confirming)}
            {production ? `; ${production.version_tag} (production now) has ${auroc(production)}` : ''}. Every
            worklist of this dataset is re-ranked with it. Its metrics are shown below.
          </p>
          <button
            type="button"
            className="button primary"
            data-testid="promote-confirm-yes"
            onClick={() => {
              const v = confirming
              setConfirming(null)
              void promote(v)
            }}
          >
            Promote {confirming.version_tag}
          </button>{' '}
          <button type="button" className="button" onClick={() => setConfirming(null)}>
            Cancel
          </button>
        </div>
      )}
      {open != null && <VersionMetrics versionId={open} hasProduction={production != null} />}
    </section>
  )
}

function VersionMetrics({ versionId }: { versionId: number; hasProduction: boolean }) {
  const detail = useAsync(() => versionDetail(versionId), [versionId])
  const roc = useAsync(() => versionRoc(versionId), [versionId])
  if (detail.error) return <p role="alert">{detail.error}</p>
  if (!detail.data) return <p className="loading">Loading metrics…</p>
  const metrics = (detail.data.metrics ?? {}) as Record<string, unknown>
  const table = findingMetrics(metrics.test)
  const curves: FindingMetrics[] = (roc.data?.curves ?? []).map((c) => ({
    finding: c.name,
    n: c.n,
    nPositive: c.n_positive,
    auroc: c.auroc,
    ciLow: c.auroc_ci_low,
    ciHigh: c.auroc_ci_high,
    sensitivity: null,
    specificity: null,
    threshold: null,
    roc: c.fpr.length >= 2 ? { fpr: c.fpr, tpr: c.tpr } : null,
  }))
  const deltas = findingDeltas(metrics.comparison)
  return (
    <div className="version-metrics" data-testid="version-metrics">
      <h4>{detail.data.version_tag}: test split</h4>
      <div className="plots">
        <RocPlot metrics={curves} />
        {deltas.length > 0 && (
          <figure className="plot">
            <ComparisonPlot deltas={deltas} />
            <figcaption className="muted">AUROC, this version minus production, 95% CI</figcaption>
          </figure>
        )}
      </div>
      {table.length > 0 && <AurocTable metrics={table} />}
    </div>
  )
}
