/**
 * A reader's answers on one item (pure): one row per labelled finding (derived findings such as
 * "No Finding" are never asked), each present / absent / uncertain with an optional comment; a
 * single-choice schema (OCT) is one question answered with one class, shown as one row per class.
 */
import type { ReadValue } from '../../app/hotkeys'

export const CHOICE = '__choice__'

export interface FindingLike {
  key: string
  name: string
  order?: number
  is_derived?: boolean
}

export interface Answer {
  value: string
  comment: string
}

export type Answers = Readonly<Record<string, Answer>>

export interface Questions {
  single: boolean
  /** Rows shown: the labelled findings (or the classes), in schema order. */
  rows: FindingLike[]
}

export function questionsOf(schemaKind: string, findings: readonly FindingLike[]): Questions {
  const rows = findings
    .filter((f) => !f.is_derived)
    .slice()
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
  return { single: schemaKind === 'single_choice', rows }
}

/** The value shown on a row: the finding's own answer, or for single choice whether it is the class. */
export function rowValue(q: Questions, a: Answers, key: string): ReadValue | null {
  if (q.single) {
    const chosen = a[CHOICE]?.value
    if (!chosen) return null
    return chosen === key ? 'positive' : 'negative'
  }
  return (a[key]?.value as ReadValue | undefined) ?? null
}

export function setValue(q: Questions, a: Answers, key: string, value: ReadValue): Answers {
  if (q.single) {
    if (value !== 'positive') return a // one class is chosen; absent/uncertain do not apply
    return { ...a, [CHOICE]: { value: key, comment: a[CHOICE]?.comment ?? '' } }
  }
  return { ...a, [key]: { value, comment: a[key]?.comment ?? '' } }
}

export function setComment(q: Questions, a: Answers, key: string, comment: string): Answers {
  const k = q.single ? CHOICE : key
  return { ...a, [k]: { value: a[k]?.value ?? '', comment } }
}

export function commentOf(q: Questions, a: Answers, key: string): string {
  return a[q.single ? CHOICE : key]?.comment ?? ''
}

/** Every row without a value becomes absent (multi-label only). */
export function allUnsetAbsent(q: Questions, a: Answers): Answers {
  if (q.single) return a
  const out: Record<string, Answer> = { ...a }
  for (const r of q.rows) if (!out[r.key]?.value) out[r.key] = { value: 'negative', comment: out[r.key]?.comment ?? '' }
  return out
}

/** Rows still without an answer (empty when the read can be submitted). */
export function missing(q: Questions, a: Answers): string[] {
  if (q.single) return a[CHOICE]?.value ? [] : [CHOICE]
  return q.rows.filter((r) => !a[r.key]?.value).map((r) => r.key)
}

/** The next row index after moving by delta, clamped. */
export function moveRow(q: Questions, index: number, delta: number): number {
  return Math.min(q.rows.length - 1, Math.max(0, index + delta))
}

/** The first unanswered row at or after `from` (wrapping), or `from` when all are answered. */
export function nextUnanswered(q: Questions, a: Answers, from: number): number {
  const n = q.rows.length
  for (let i = 1; i <= n; i++) {
    const j = (from + i) % n
    if (rowValue(q, a, q.rows[j].key) == null) return j
  }
  return from
}

/** Answers as the API takes them: {question: {value, comment}} with only answered questions. */
export function toPayload(a: Answers): Record<string, { value: string; comment: string }> {
  const out: Record<string, { value: string; comment: string }> = {}
  for (const [k, v] of Object.entries(a)) if (v.value) out[k] = { value: v.value, comment: v.comment.trim() }
  return out
}

export interface OtherReader {
  reader: string
  values: Record<string, string>
  comments?: Record<string, string>
  comment?: string
}

/** Questions on which the readers (and optionally my own answers) do not all agree. */
export function disagreements(others: readonly OtherReader[], mine?: Answers): Set<string> {
  const keys = new Set<string>()
  for (const o of others) for (const k of Object.keys(o.values)) keys.add(k)
  if (mine) for (const k of Object.keys(mine)) keys.add(k)
  const out = new Set<string>()
  for (const k of keys) {
    const vals = new Set<string>()
    for (const o of others) if (o.values[k] != null) vals.add(o.values[k])
    if (mine?.[k]?.value) vals.add(mine[k].value)
    if (vals.size > 1) out.add(k)
  }
  return out
}
