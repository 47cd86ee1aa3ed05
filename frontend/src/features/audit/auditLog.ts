/** The access audit (GET /api/v1/audit/, platform staff): one sentence per event (pure). */

export interface AuditEvent {
  id: number
  at: string
  actor: string | null
  action: string
  object_type: string
  object_id: string
  dataset: number | null
  after: Record<string, unknown> | null
}

const WHO_SYSTEM = 'Arbiter'

/** "ml-engineer downloaded label set v3 (csv)": who did what, never an original identifier. */
export function describeEvent(e: AuditEvent): string {
  const who = e.actor ?? WHO_SYSTEM
  const after = e.after ?? {}
  switch (e.action) {
    case 'snapshot.download':
      return `${who} downloaded label set v${after.number ?? '?'} (${after.format ?? '?'})`
    case 'snapshot.create':
      return `${who} created a label-set snapshot`
    case 'identity.reveal':
      return `${who} re-identified a ${String(after.kind ?? 'value').replace('_', ' ')}: ${after.reason ?? ''}`.trim()
    case 'identity.resolve_uids':
      return `${who} resolved ${after.count ?? '?'} UIDs for ${after.purpose ?? 'a system task'}`
    case 'pacs.labels_sent':
      return `${who} sent labels of ${after.sent ?? '?'} studies to the PACS`
    case 'import.upload':
      return `${who} uploaded an import`
    default:
      return `${who}: ${e.action} ${e.object_type} #${e.object_id}`
  }
}
