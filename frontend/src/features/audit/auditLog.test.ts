import { describe, expect, it } from 'vitest'
import { describeEvent, type AuditEvent } from './auditLog'

const base: AuditEvent = {
  id: 1,
  at: '2026-12-06T01:00:00Z',
  actor: 'ml-engineer',
  action: 'snapshot.download',
  object_type: 'annotations.labelsetsnapshot',
  object_id: '4',
  dataset: 2,
  after: { number: 3, format: 'csv' },
}

describe('audit log sentences', () => {
  it('says who downloaded which label set in which format', () => {
    expect(describeEvent(base)).toBe('ml-engineer downloaded label set v3 (csv)')
  })

  it('names a re-identification with its reason, and system actions as Arbiter', () => {
    const reveal = { ...base, actor: 'ops', action: 'identity.reveal', after: { kind: 'patient_id', reason: 'PACS fix' } }
    expect(describeEvent(reveal)).toBe('ops re-identified a patient id: PACS fix')
    const sent = { ...base, actor: null, action: 'identity.resolve_uids', after: { count: 3, purpose: 'pacs.labels_sent' } }
    expect(describeEvent(sent)).toBe('Arbiter resolved 3 UIDs for pacs.labels_sent')
  })

  it('falls back to the raw action for anything else', () => {
    expect(describeEvent({ ...base, action: 'model.promote', object_type: 'annotations.modelversion' })).toBe(
      'ml-engineer: model.promote annotations.modelversion #4',
    )
  })
})
