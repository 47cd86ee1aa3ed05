/**
 * Training runs in the admin console: launch with a form, live progress, cancel. Admin only; the
 * server checks the role on every call.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { Dataset } from '../../api/types'
import { f3, num } from '../../ui/format'
import { Progress } from '../../ui/Progress'
import { useAsync, useInterval } from '../../ui/useAsync'
import { cancelRun, launchRun, listRuns, modelSpec, type Run } from './source'

const ACTIVE = new Set(['queued', 'running'])

export function TrainingPanel({ dataset, onFinished }: { dataset: Dataset; onFinished: () => void }) {
  const runs = useAsync(() => listRuns(dataset.id), [dataset.id])
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
  // The model kind is the server's decision (learning.services.models.kinds), never guessed here.
  const spec = useAsync(() => modelSpec(dataset.id), [dataset.id])
  const kind = spec.data?.kind
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!kind) return
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
      const run = await launchRun(dataset.id, {
        kind,
        config: { size, epochs, threshold, weak_labels: { use_weak: useWeak, uncertainty }, ...extra },
      })
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
      <button type="submit" className="button primary" disabled={busy || !kind} data-testid="launch-training">
        {busy ? 'Launching…' : `Train ${kind ?? '…'}`}
      </button>
      {spec.error && <p role="alert">{spec.error}</p>}
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
    await cancelRun(run.id)
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
