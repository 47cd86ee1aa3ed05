/**
 * The NLP loop panel's wording and report excerpts (pure): groups of reports whose NLP label the
 * radiologists' final label contradicts, by the phrase or rule that fired
 * (GET /api/v1/datasets/{dataset_id}/nlp-contradictions/).
 */

export type ContradictionKind = 'nlp_present' | 'nlp_absent'

export interface EvidenceSpan {
  start: number | null
  end: number | null
  text: string | null
  rule: string | null
  context: string
}

export interface ContradictedReport {
  report_id: number | null
  study_id: number
  image_id: number
  nlp_value: string
  final_value: string
  evidence: EvidenceSpan[]
}

export interface ContradictionGroup {
  finding: string
  kind: ContradictionKind
  rule: string
  count: number
  reports: ContradictedReport[]
}

export interface Contradictions {
  dataset_id: number
  nlp_version: string | null
  compared: number
  contradicted: number
  groups: ContradictionGroup[]
}

/** Which way the NLP was wrong, in words. */
export function kindText(kind: ContradictionKind): string {
  return kind === 'nlp_present' ? 'NLP said present, readers absent' : 'NLP missed it, readers present'
}

/** What to look at to fix the group. */
export function fixHint(group: ContradictionGroup): string {
  if (group.rule === 'no mention') return `no phrase of ${group.finding} matched: add one to its phrase file`
  if (group.rule.startsWith('No Finding rule')) return 'derived from the other findings: fix those groups first'
  if (group.rule.startsWith('phrase ') || group.rule.startsWith('['))
    return `the ${group.finding} phrase file: move or exclude this phrase`
  return 'a ConText rule: its scope or category'
}

/** The panel's one-line summary. */
export function contradictionSummary(c: Contradictions): string {
  if (c.nlp_version === null) return 'No NLP labels on this dataset yet: label the reports first.'
  if (c.compared === 0) return 'No final label to compare with the NLP labels yet.'
  if (c.contradicted === 0) return `The final labels agree with every NLP label (${c.compared} compared).`
  const pct = Math.round((1000 * c.contradicted) / c.compared) / 10
  const groups = c.groups.length === 1 ? '1 rule' : `${c.groups.length} rules`
  return `${c.contradicted} of ${c.compared} final labels (${pct}%) contradict the NLP label, from ${groups}; the largest group first.`
}

export interface Segment {
  text: string
  evidence: boolean
}

/** The evidence span's context cut so the span itself can be highlighted. */
export function excerpt(span: EvidenceSpan): Segment[] {
  const context = span.context.replace(/\s+/g, ' ').trim()
  const text = span.text ?? ''
  const at = text ? context.indexOf(text) : -1
  if (at < 0) return context ? [{ text: context, evidence: false }] : []
  return [
    { text: context.slice(0, at), evidence: false },
    { text, evidence: true },
    { text: context.slice(at + text.length), evidence: false },
  ].filter((s) => s.text !== '')
}
