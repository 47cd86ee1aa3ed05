/** Pure helpers of the similar-cases panel and the priors strip (unit-tested in tests/similar.test.ts). */
import type { PriorImage, PriorStudy, SimilarCase } from './types'

const HOW: Record<string, string> = {
  imported: 'imported',
  unanimous: 'unanimous',
  consensus: 'consensus',
  majority: 'majority',
  adjudicator: 'adjudicator',
  correction: 'corrected',
}

export function howReachedText(how: string | null): string {
  return how ? (HOW[how] ?? how) : ''
}

/** Cosine similarity as a percentage, clamped to 0..100 ("87%"). */
export function similarityText(similarity: number): string {
  return `${Math.round(Math.max(0, Math.min(1, similarity)) * 100)}%`
}

/** The case's findings in one line: positives first, then uncertain ones marked "?", or "no finding". */
export function caseSummary(c: Pick<SimilarCase, 'labels'>): string {
  const pos = c.labels.filter((l) => l.value === 'positive').map((l) => l.finding)
  const unc = c.labels.filter((l) => l.value === 'uncertain').map((l) => `${l.finding}?`)
  const all = [...pos, ...unc]
  return all.length ? all.join(', ') : 'no finding'
}

/** How many of the cases are positive for `finding` ("3 of 10"); null without cases. */
export function shareWith(cases: readonly SimilarCase[], finding: string): string | null {
  if (!cases.length) return null
  const n = cases.filter((c) => c.positive_findings.includes(finding)).length
  return `${n} of ${cases.length}`
}

const RELATION: Record<PriorStudy['relation'], string> = {
  prior: 'prior',
  same_day: 'same day',
  later: 'later',
  undated: 'undated',
}

export function studyHeading(s: Pick<PriorStudy, 'study_date' | 'relation' | 'modality'>): string {
  const date = s.study_date ?? 'no date'
  return [date, RELATION[s.relation], s.modality].filter(Boolean).join(' · ')
}

/** A prior image's labels in one line, saying where they come from. */
export function priorLabelsText(im: Pick<PriorImage, 'label_source' | 'labels'>, hidden: boolean): string {
  if (hidden) return 'labels hidden during your blind read'
  if (!im.label_source) return 'no labels'
  const pos = im.labels.filter((l) => l.value === 'positive').map((l) => l.finding)
  const unc = im.labels.filter((l) => l.value === 'uncertain').map((l) => `${l.finding}?`)
  const body = [...pos, ...unc].join(', ') || 'no finding'
  return `${im.label_source === 'adjudicated' ? 'final' : 'NLP'}: ${body}`
}
