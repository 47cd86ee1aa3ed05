/**
 * Undo of the last submitted read (within the server's grace period) and skip with a reason:
 * `POST reads/{id}/undo/` (the answers come back to edit), `POST reads/{id}/skip/`, and the reasons
 * from `GET skip-reasons/` (its X-Undo-Grace-Seconds header gives the grace period).
 */
import { request } from '../api/client'
import { DEFAULT_GRACE_S, type UndoAnswer } from './undoState'

export { answersOf, DEFAULT_GRACE_S, secondsLeft, type UndoAnswer } from './undoState'

export interface SkipReason {
  key: string
  label: string
}

export async function skipReasons(): Promise<{ reasons: SkipReason[]; graceS: number }> {
  const r = await fetch('/api/v1/skip-reasons/', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  if (!r.ok) throw new Error(`The skip reasons could not be loaded (${r.status}).`)
  const grace = Number(r.headers.get('X-Undo-Grace-Seconds'))
  return { reasons: (await r.json()) as SkipReason[], graceS: grace > 0 ? grace : DEFAULT_GRACE_S }
}

export async function undoRead(readId: number): Promise<UndoAnswer[]> {
  const body = await request<{ answers: UndoAnswer[] }>('POST', `/api/v1/reads/${readId}/undo/`)
  return body.answers
}

export async function skipRead(readId: number, reason: string, note: string): Promise<void> {
  await request<void>('POST', `/api/v1/reads/${readId}/skip/`, { reason, note })
}
