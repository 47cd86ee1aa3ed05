/**
 * Training runs (launch with a form, live progress, cancel) and the model registry (per-finding
 * AUROC table, ROC curves, the comparison with the production model as a forest plot, promote,
 * roll back). Admin only; the server checks the role on every call.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { api, unwrap, type Schemas } from '../../api/client'
import type { Dataset } from '../../api/types'
import { useAsync, useInterval } from '../../app/useAsync'
import { findingDeltas, findingMetrics, type FindingMetrics } from '../../console/metrics'
import { Progress } from '../AdminConsole'
import { AurocTable, ComparisonPlot, RocPlot } from './ModelPlots'

type Run = Schemas['TrainingRun']
type Version = Schemas['ModelVersion']

const kindFor = (d: Dataset) => (d.modality === 'OCT' || d.schema_kind === 'single_choice' ? 'oct' : 'chexnet')
const ACTIVE = new Set(['queued', 'running'])
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null)
const f3 = (x: unknown) => (num(x) == null ? '—' : (x as number).toFixed(3))

export function TrainingPanel({ dataset, onFinished }: { dataset: Dataset; onFinished: () => void }) {
  const runs = useAsync(
    async () =>
      unwrap(
        await api.GET('/api/v1/datasets/{dataset_id}/training-runs/', { params: { path: { dataset_id: dataset.id } } }),
      ).results,
    [dataset.id],
  )
  const active = (runs.data ?? []).some((r) => ACTIVE.has(r.status))
  useInterval(runs.reload, 1500, active)
  // A run that finished may have registered a model version: refresh the registry.
  const wasActive = useRef(false)
  useEffect(() => {
    if (wasActive.current && !active) onFinished()
    wasActive.current = active
  }, [active, onFinished])
  return (
    <section className="panel" aria-labelledby="train-h">
      <h3 id="train-h">Training runs</h3>
      <LaunchForm dataset={dataset} onLaunched={runs.reload} />
      {runs.error && <p role="alert">{runs.error}</p>}
      {runs.data && runs.data.length === 0 && <p className="muted">No training run yet.</p>}
      {runs.data && runs.data.length > 0 && (
        <table data-testid="training-runs">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Loss / validation</th>
              <th scope="col">Model</th>
              <th scope="col" aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {runs.data.map((r) => (
              <RunRow key={r.id} run={r} onChange={runs.reload} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function LaunchForm({ dataset, onLaunched }: { dataset: Dataset; onLaunched: () => void }) {
  const [epochs, setEpochs] = useState(5)
  const [size, setSize] = useState('tiny')
  const [useWeak, setUseWeak] = useState(true)
  const [uncertainty, setUncertainty] = useState('ignore')
  const [threshold, setThreshold] = useState(0.5)
  const [advanced, setAdvanced] = useState('')
  const [message, setMessage] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    let extra: Record<string, unknown> = {}
    if (advanced.trim()) {
      try {
        const parsed: unknown = JSON.parse(advanced)
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object')
        extra = parsed as Record<string, unknown>
      } catch {
        setMessage('Advanced settings must be a JSON object, e.g. {"batch_size": 8, "lr": 0.001}.')
        return
      }
    }
    setBusy(true)
    setMessage(null)
    try {
      const run = unwrap(
        await api.POST('/api/v1/datasets/{dataset_id}/training-runs/', {
          params: { path: { dataset_id: dataset.id } },
          body: {
            kind: kindFor(dataset),
            config: { size, epochs, threshold, weak_labels: { use_weak: useWeak, uncertainty }, ...extra },
          },
        }),
      )
      setMessage(`Training run #${run.id} queued.`)
      onLaunched()
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="upload" onSubmit={submit} aria-label="Launch a training run">
      <label>
        Model size
        <select value={size} onChange={(e) => setSize(e.target.value)}>
          <option value="tiny">tiny (64 px, CPU)</option>
          <option value="full">full (224 px, DenseNet-121)</option>
        </select>
      </label>
      <label>
        Epochs
        <input type="number" min={1} max={200} value={epochs} onChange={(e) => setEpochs(Number(e.target.value))} />
      </label>
      <label>
        Threshold
        <input
          type="number"
          min={0}
          max={1}
          step={0.05}
          value={threshold}
          onChange={(e) => setThreshold(Number(e.target.value))}
        />
      </label>
      <label className="check">
        <input type="checkbox" checked={useWeak} onChange={(e) => setUseWeak(e.target.checked)} /> NLP labels as weak
        labels
      </label>
      <label>
        Uncertain NLP labels
        <select value={uncertainty} onChange={(e) => setUncertainty(e.target.value)} disabled={!useWeak}>
          <option value="ignore">U-Ignore</option>
          <option value="ones">U-Ones</option>
          <option value="zeros">U-Zeros</option>
        </select>
      </label>
      <label className="grow">
        Advanced settings (JSON, optional)
        <input
          type="text"
          value={advanced}
          placeholder='{"batch_size": 8, "lr": 0.001, "split": {"train": 0.7, "validation": 0.1, "test": 0.2}}'
          onChange={(e) => setAdvanced(e.target.value)}
        />
      </label>
      <button type="submit" className="button primary" disabled={busy} data-testid="launch-training">
        {busy ? 'Launching…' : `Train ${kindFor(dataset)}`}
      </button>
      {message && (
        <p role="status" className="wide">
          {message}
        </p>
      )}
    </form>
  )
}

function RunRow({ run, onChange }: { run: Run; onChange: () => void }) {
  const p = (run.progress ?? {}) as Record<string, unknown>
  const epoch = num(p.epoch) ?? 0
  const epochs = num(p.epochs) ?? num((run.config as Record<string, unknown> | undefined)?.epochs) ?? 0
  const cancel = async () => {
    await api.POST('/api/v1/training-runs/{run_id}/cancel/', { params: { path: { run_id: String(run.id) } } })
    onChange()
  }
  return (
    <tr data-testid={`run-${run.id}`} data-status={run.status}>
      <td>
        #{run.id} {run.kind}
      </td>
      <td className={`status-${run.status}`}>
        {run.status}
        {typeof p.phase === 'string' && p.phase !== run.status ? ` · ${p.phase}` : ''}
        {run.error ? <div className="muted">{run.error}</div> : null}
      </td>
      <td>
        <Progress done={epoch} total={epochs} label={`Epochs of training run ${run.id}`} />
      </td>
      <td>
        {f3(p.loss)} / {f3(p.metric)}
      </td>
      <td>{run.model_version != null ? `version ${run.model_version}` : '—'}</td>
      <td>
        {ACTIVE.has(run.status) && !run.cancel_requested && (
          <button type="button" className="button" onClick={cancel} aria-label={`Cancel training run ${run.id}`}>
            Cancel
          </button>
        )}
      </td>
    </tr>
  )
}

export function RegistryPanel({ dataset, tick }: { dataset: Dataset; tick: number }) {
  const versions = useAsync(
    async () =>
      unwrap(
        await api.GET('/api/v1/datasets/{dataset_id}/model-versions/', {
          params: { path: { dataset_id: dataset.id } },
        }),
      ).results,
    [dataset.id, tick],
  )
  const [open, setOpen] = useState<number | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  const act = async (what: () => Promise<Schemas['Promotion']>) => {
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
  const promote = (v: Version) =>
    act(async () =>
      unwrap(await api.POST('/api/v1/model-versions/{version_id}/promote/', { params: { path: { version_id: String(v.id) } } })),
    )
  const rollback = (kind: string) =>
    act(async () =>
      unwrap(
        await api.POST('/api/v1/datasets/{dataset_id}/model-versions/rollback/', {
          params: { path: { dataset_id: dataset.id } },
          body: { kind },
        }),
      ),
    )
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
  const detail = useAsync(
    async () =>
      unwrap(await api.GET('/api/v1/model-versions/{version_id}/', { params: { path: { version_id: String(versionId) } } })),
    [versionId],
  )
  const roc = useAsync(
    async () =>
      unwrap(await api.GET('/api/v1/model-versions/{version_id}/roc/', { params: { path: { version_id: String(versionId) } } })),
    [versionId],
  )
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
