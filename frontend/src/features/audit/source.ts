/** The access audit's data source: the newest page of events (platform staff; others get 403). */
import { request, type Page } from '../../api/client'
import type { AuditEvent } from './auditLog'

export function auditEvents(): Promise<Page<AuditEvent>> {
  return request<Page<AuditEvent>>('GET', '/api/v1/audit/')
}
