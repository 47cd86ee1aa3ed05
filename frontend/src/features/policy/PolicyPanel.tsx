/**
 * A dataset's facts and its reading policy as an editable form (admins; the console is admin-only
 * and the server checks the role on the save). Only changed fields are sent; the server's 400
 * message shows in an alert and beside the control it names; a save shows as saved until the
 * next edit.
 */
import { useState, type FormEvent, type ReactNode } from 'react'
import { ApiError } from '../../api/client'
import type { Dataset } from '../../api/types'
import { navigate } from '../../app/router'
import { useAsync } from '../../ui/useAsync'
import { fieldErrors, formOf, isDirty, patchOf, type PolicyField, type PolicyForm, type PolicyRequest } from './policyForm'
import { patchPolicy, protocolPresets } from './source'

export function PolicyPanel({ dataset: d, onSaved }: { dataset: Dataset; onSaved: () => void }) {
  const [saved, setSaved] = useState<string | null>(null)
  // A new server value (another admin's save, a reload) starts the form afresh from it.
  const signature = JSON.stringify(formOf(d))
  return (
    <section className="panel" aria-labelledby="policy-h">
      <h2 id="policy-h">
        {d.name} <span className="muted">· {d.image_count} images</span>
      </h2>
      <dl className="facts two">
        <div>
          <dt>Schema</dt>
          <dd>{`${d.schema} (${d.schema_kind}, ${d.findings.length} findings)`}</dd>
        </div>
      </dl>
      <h3 id="policy-form-h">Reading policy</h3>
      <PresetPicker
        dataset={d}
        onApplied={(message) => {
          setSaved(message)
          onSaved()
        }}
      />
      <PolicyEditor
        key={signature}
        dataset={d}
        saved={saved}
        onSaved={(message) => {
          setSaved(message)
          onSaved()
        }}
        onEdit={() => setSaved(null)}
      />
      <p className="actions">
        <button type="button" className="button" onClick={() => navigate(`/qc/${d.id}`)}>
          Open the QC grid
        </button>
      </p>
    </section>
  )
}

/** The named protocol presets (GET /api/v1/protocol-presets/): which one the policy matches, and
 * applying one (every field of it at once). */
function PresetPicker({ dataset: d, onApplied }: { dataset: Dataset; onApplied: (message: string) => void }) {
  const presets = useAsync(protocolPresets, [])
  const [choice, setChoice] = useState<string>(d.protocol_preset ?? '')
  const [error, setError] = useState<string | null>(null)
  const list = presets.data?.presets ?? []
  const apply = async () => {
    setError(null)
    try {
      await patchPolicy(d.id, { preset: choice } as PolicyRequest)
      onApplied(`Protocol preset "${choice}" applied at ${new Date().toLocaleTimeString()}.`)
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }
  const current = list.find((p) => p.name === d.protocol_preset)
  return (
    <div className="upload" data-testid="preset-picker">
      <label>
        <span>Protocol preset</span>
        <select value={choice} onChange={(e) => setChoice(e.target.value)}>
          <option value="" disabled>
            choose a preset
          </option>
          {list.map((p) => (
            <option key={p.name} value={p.name}>
              {p.title}
              {p.name === presets.data?.default ? ' (default)' : ''}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="button" disabled={!choice || choice === d.protocol_preset} onClick={apply}>
        Apply preset
      </button>
      <span className="muted small" data-testid="preset-current">
        {current ? `Now: ${current.title}. ${current.description}.` : 'Now: no preset (fields changed by hand).'}
      </span>
      {(error || presets.error) && (
        <p role="alert" className="error wide">
          {error ?? presets.error}
        </p>
      )}
    </div>
  )
}

function PolicyEditor({
  dataset: d,
  saved,
  onSaved,
  onEdit,
}: {
  dataset: Dataset
  saved: string | null
  onSaved: (message: string) => void
  onEdit: () => void
}) {
  const [base, setBase] = useState<PolicyForm>(() => formOf(d))
  const [form, setForm] = useState<PolicyForm>(base)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [errors, setErrors] = useState<Partial<Record<PolicyField, string>>>({})
  const dirty = isDirty(form, base)

  const set = <K extends keyof PolicyForm>(field: K, value: PolicyForm[K]) => {
    setForm((f) => ({ ...f, [field]: value }))
    onEdit()
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    setErrors({})
    const result = patchOf(form, base)
    if (result.error) {
      const [field, message] = result.error
      setErrors({ [field]: message })
      setError(`The reading policy is not valid. ${field}: ${message}`)
      return
    }
    setBusy(true)
    try {
      const updated = await patchPolicy(d.id, result.patch as PolicyRequest)
      const next = formOf(updated)
      setBase(next)
      setForm(next)
      onSaved(`Reading policy saved at ${new Date().toLocaleTimeString()}.`)
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
      if (err instanceof ApiError) setErrors(fieldErrors(err.detail))
    } finally {
      setBusy(false)
    }
  }
  const field = (name: PolicyField, label: ReactNode, control: ReactNode, className?: string) => (
    <label className={className}>
      {label}
      {control}
      {errors[name] && (
        <span id={`policy-${name}-error`} className="error small">
          {errors[name]}
        </span>
      )}
    </label>
  )
  const aria = (name: PolicyField) =>
    errors[name] ? { 'aria-invalid': true, 'aria-describedby': `policy-${name}-error` } : {}
  const flag = (name: (typeof FLAGS)[number][0], label: string) => (
    <label className="check" key={name}>
      <input type="checkbox" checked={form[name]} onChange={(e) => set(name, e.target.checked)} {...aria(name)} />{' '}
      {label}
      {errors[name] && (
        <span id={`policy-${name}-error`} className="error small">
          {errors[name]}
        </span>
      )}
    </label>
  )

  return (
    <form className="upload" onSubmit={submit} noValidate aria-labelledby="policy-form-h" data-testid="policy-form">
      {field(
        'readers_per_item',
        'Readers per item',
        <input
          type="number"
          min={1}
          max={20}
          step={1}
          value={form.readers_per_item}
          onChange={(e) => set('readers_per_item', e.target.value)}
          {...aria('readers_per_item')}
        />,
      )}
      {field(
        'max_adjudication_rounds',
        'Adjudication rounds (limit)',
        <input
          type="number"
          min={0}
          max={10}
          step={1}
          value={form.max_adjudication_rounds}
          onChange={(e) => set('max_adjudication_rounds', e.target.value)}
          {...aria('max_adjudication_rounds')}
        />,
      )}
      {field(
        'tie_rule',
        'After the round limit',
        <select value={form.tie_rule} onChange={(e) => set('tie_rule', e.target.value)} {...aria('tie_rule')}>
          <option value="majority">majority vote</option>
          <option value="adjudicator">an adjudicator decides</option>
        </select>,
      )}
      {field(
        'pediatric_age_years',
        'Pediatric below (years)',
        <input
          type="number"
          min={0}
          max={21}
          step={0.5}
          value={form.pediatric_age_years}
          onChange={(e) => set('pediatric_age_years', e.target.value)}
          {...aria('pediatric_age_years')}
        />,
      )}
      {FLAGS.map(([name, label]) => flag(name, label))}
      {field(
        'acquisition_weights',
        'Acquisition weights (JSON)',
        <textarea
          rows={2}
          spellCheck={false}
          value={form.acquisition_weights}
          onChange={(e) => set('acquisition_weights', e.target.value)}
          {...aria('acquisition_weights')}
        />,
        'wide',
      )}
      <p className="wide muted small">
        A new number of readers applies to items queued from now on and to items still in their first reads (never
        below the reads they already have); items in adjudication or final keep theirs. New acquisition weights rank the
        worklist from its next ranking refresh. {'{}'} is the random baseline.
      </p>
      <button type="submit" className="button primary" disabled={busy || !dirty}>
        {busy ? 'Saving…' : 'Save policy'}
      </button>
      <span role="status" className="muted" data-testid="policy-status">
        {dirty ? 'Unsaved changes.' : (saved ?? '')}
      </span>
      {error && (
        <p role="alert" className="error wide" data-testid="policy-error">
          {error}
        </p>
      )}
    </form>
  )
}

const FLAGS = [
  ['definite_final_labels', 'Final labels present or absent (an uncertain majority goes on to the adjudicator)'],
  ['show_report_on_first_read', 'Show the report on the first read'],
  ['show_nlp_evidence', 'Show NLP evidence'],
  ['show_model_overlays', 'Show model overlays'],
  ['show_similar_cases_on_first_read', 'Show similar cases on the first read'],
] as const
