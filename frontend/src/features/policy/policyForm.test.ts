import { describe, expect, it } from 'vitest'
import type { Dataset } from '../../api/types'
import { canonical, fieldErrors, formOf, isDirty, patchOf } from './policyForm'

const dataset = {
  id: 1,
  readers_per_item: 3,
  max_adjudication_rounds: 3,
  tie_rule: 'majority',
  show_report_on_first_read: true,
  show_nlp_evidence: true,
  show_model_overlays: true,
  show_similar_cases_on_first_read: false,
  pediatric_age_years: 10,
  acquisition_weights: { rarity: 0.5, entropy: 1 },
} as unknown as Dataset

describe('the reading-policy form', () => {
  const base = formOf(dataset)

  it('sends nothing when nothing changed', () => {
    expect(patchOf(base, base)).toEqual({ patch: {} })
    expect(isDirty(base, base)).toBe(false)
  })

  it('sends only the changed fields, numbers as numbers', () => {
    const form = { ...base, readers_per_item: '2', show_nlp_evidence: false, tie_rule: 'adjudicator' }
    expect(patchOf(form, base)).toEqual({
      patch: { readers_per_item: 2, show_nlp_evidence: false, tie_rule: 'adjudicator' },
    })
    expect(isDirty(form, base)).toBe(true)
  })

  it('leaves judging numbers to the server: a blank is null, a fraction is sent as typed', () => {
    expect(patchOf({ ...base, readers_per_item: '' }, base)).toEqual({ patch: { readers_per_item: null } })
    expect(patchOf({ ...base, readers_per_item: '2.5' }, base)).toEqual({ patch: { readers_per_item: 2.5 } })
  })

  it('parses the weights, ignores a mere reordering and names bad JSON', () => {
    expect(patchOf({ ...base, acquisition_weights: '{"entropy": 1, "rarity": 0.5}' }, base)).toEqual({ patch: {} })
    expect(patchOf({ ...base, acquisition_weights: '{"entropy": 2}' }, base)).toEqual({
      patch: { acquisition_weights: { entropy: 2 } },
    })
    expect(patchOf({ ...base, acquisition_weights: '' }, base)).toEqual({ patch: { acquisition_weights: {} } })
    const bad = patchOf({ ...base, acquisition_weights: '{entropy: 1' }, base)
    expect(bad.error?.[0]).toBe('acquisition_weights')
  })

  it('prints equal objects alike', () => {
    expect(canonical({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(canonical({ a: [1, { c: 3, d: 2 }], b: 1 }))
  })

  it('reads per-field messages from an API error detail', () => {
    expect(fieldErrors({ readers_per_item: ['Too many.', 'Really.'] })).toEqual({ readers_per_item: 'Too many. Really.' })
    expect(fieldErrors(null)).toEqual({})
    expect(fieldErrors(['x'])).toEqual({})
  })
})
