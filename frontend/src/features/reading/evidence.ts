/**
 * NLP evidence in the report text (pure): the spans of every finding's label split the text into
 * segments, each knowing which findings' evidence covers it, so the report renders with highlights
 * (overlaps allowed) and a finding row can light up its own spans.
 */

export interface EvidenceSpan {
  start: number
  end: number
  finding: string
  value: string
  rule?: string
  section?: string
}

export interface Segment {
  start: number
  end: number
  text: string
  findings: string[]
  values: string[]
}

interface LabelLike {
  finding: string
  value: string
  evidence?: unknown
}

/** Evidence spans of labels (`evidence: [{start, end, text, rule, section}]`), invalid ones dropped. */
export function spansFromLabels(labels: readonly LabelLike[], textLength: number): EvidenceSpan[] {
  const out: EvidenceSpan[] = []
  for (const l of labels) {
    if (!Array.isArray(l.evidence)) continue
    for (const e of l.evidence as Array<Record<string, unknown>>) {
      const start = Number(e?.start)
      const end = Number(e?.end)
      if (!Number.isInteger(start) || !Number.isInteger(end)) continue
      const s = Math.max(0, start)
      const t = Math.min(textLength, end)
      if (t <= s) continue
      out.push({
        start: s,
        end: t,
        finding: l.finding,
        value: l.value,
        rule: typeof e.rule === 'string' ? e.rule : undefined,
        section: typeof e.section === 'string' ? e.section : undefined,
      })
    }
  }
  return out
}

/** The text cut at every span boundary; segments cover the whole text in order. */
export function segments(text: string, spans: readonly EvidenceSpan[]): Segment[] {
  const cuts = new Set<number>([0, text.length])
  for (const s of spans) {
    cuts.add(s.start)
    cuts.add(s.end)
  }
  const points = [...cuts].filter((c) => c >= 0 && c <= text.length).sort((a, b) => a - b)
  const out: Segment[] = []
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i]
    const end = points[i + 1]
    if (end <= start) continue
    const covering = spans.filter((s) => s.start <= start && s.end >= end)
    out.push({
      start,
      end,
      text: text.slice(start, end),
      findings: [...new Set(covering.map((s) => s.finding))],
      values: [...new Set(covering.map((s) => s.value))],
    })
  }
  return out
}

/**
 * Report flags (the NLP pipeline's `report_flags`: Implant) are not findings: they get a chip when
 * the report affirms (or doubts) them, and their evidence is highlighted like a finding's.
 */
export interface ReportFlagLike {
  flag: string
  value: string
  evidence?: unknown
}

export interface FlagChip {
  flag: string
  value: string
  label: string
}

/** The chip of each flag the report mentions as present ("Implant mentioned") or possible. */
export function flagChips(flags: readonly ReportFlagLike[]): FlagChip[] {
  const out: FlagChip[] = []
  for (const f of flags) {
    if (f.value === 'positive') out.push({ flag: f.flag, value: f.value, label: `${f.flag} mentioned` })
    else if (f.value === 'uncertain') out.push({ flag: f.flag, value: f.value, label: `${f.flag} possibly mentioned` })
  }
  return out
}

/** Evidence spans of the flags (negated mentions too, as for findings), named by the flag. */
export function flagSpans(flags: readonly ReportFlagLike[], textLength: number): EvidenceSpan[] {
  return spansFromLabels(
    flags.map((f) => ({ finding: f.flag, value: f.value, evidence: f.evidence })),
    textLength,
  )
}
