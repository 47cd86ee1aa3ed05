/**
 * The reading-policy form's state and what a save sends: only the fields that changed, numbers as
 * typed (a blank one as null) so the server's validation speaks for every bad value, and the
 * acquisition weights parsed from their JSON text (the one check made here: it must be JSON).
 */
import type { Schemas } from '../../api/client'
import type { Dataset } from '../../api/types'

export type PolicyRequest = Schemas['PatchedDatasetPolicyRequest']
export type PolicyField = keyof PolicyRequest
export type PolicyPatch = { [K in PolicyField]?: PolicyRequest[K] | null }

export interface PolicyForm {
  readers_per_item: string
  max_adjudication_rounds: string
  tie_rule: string
  definite_final_labels: boolean
  show_report_on_first_read: boolean
  show_nlp_evidence: boolean
  show_model_overlays: boolean
  show_similar_cases_on_first_read: boolean
  pediatric_age_years: string
  acquisition_weights: string
}

export const NUMBER_FIELDS = ['readers_per_item', 'max_adjudication_rounds', 'pediatric_age_years'] as const
export const FLAG_FIELDS = [
  'definite_final_labels',
  'show_report_on_first_read',
  'show_nlp_evidence',
  'show_model_overlays',
  'show_similar_cases_on_first_read',
] as const

/** JSON with object keys sorted, so two equal values print the same. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

export function weightsText(weights: unknown): string {
  return JSON.stringify(weights ?? {}, null, 1).replace(/\n\s*/g, ' ')
}

export function formOf(d: Dataset): PolicyForm {
  return {
    readers_per_item: String(d.readers_per_item ?? ''),
    max_adjudication_rounds: String(d.max_adjudication_rounds ?? ''),
    tie_rule: d.tie_rule ?? 'majority',
    definite_final_labels: Boolean(d.definite_final_labels),
    show_report_on_first_read: Boolean(d.show_report_on_first_read),
    show_nlp_evidence: Boolean(d.show_nlp_evidence),
    show_model_overlays: Boolean(d.show_model_overlays),
    show_similar_cases_on_first_read: Boolean(d.show_similar_cases_on_first_read),
    pediatric_age_years: String(d.pediatric_age_years ?? ''),
    acquisition_weights: weightsText(d.acquisition_weights),
  }
}

export type PatchResult = { patch: PolicyPatch; error?: undefined } | { patch?: undefined; error: [PolicyField, string] }

/** The fields of `form` that differ from `base` (the server's values), ready to send. */
export function patchOf(form: PolicyForm, base: PolicyForm): PatchResult {
  const patch: PolicyPatch = {}
  for (const f of NUMBER_FIELDS) {
    if (form[f].trim() === base[f].trim()) continue
    patch[f] = form[f].trim() === '' ? null : Number(form[f])
  }
  if (form.tie_rule !== base.tie_rule) patch.tie_rule = form.tie_rule as PolicyRequest['tie_rule']
  for (const f of FLAG_FIELDS) if (form[f] !== base[f]) patch[f] = form[f]
  if (form.acquisition_weights.trim() !== base.acquisition_weights.trim()) {
    let parsed: unknown
    try {
      parsed = JSON.parse(form.acquisition_weights.trim() || '{}')
    } catch {
      return { error: ['acquisition_weights', 'Not valid JSON; write an object such as {"entropy": 1, "rarity": 0.5}.'] }
    }
    if (canonical(parsed) !== canonical(JSON.parse(base.acquisition_weights || '{}'))) {
      patch.acquisition_weights = parsed
    }
  }
  return { patch }
}

export function isDirty(form: PolicyForm, base: PolicyForm): boolean {
  const r = patchOf(form, base)
  return r.error !== undefined || Object.keys(r.patch).length > 0
}

/** Per-field messages of an API error's detail ({field: [message, ...]}). */
export function fieldErrors(detail: unknown): Partial<Record<PolicyField, string>> {
  const out: Partial<Record<PolicyField, string>> = {}
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return out
  for (const [k, v] of Object.entries(detail as Record<string, unknown>)) {
    out[k as PolicyField] = Array.isArray(v) ? v.map(String).join(' ') : String(v)
  }
  return out
}
