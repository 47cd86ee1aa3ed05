/**
 * The report with the NLP evidence highlighted (per finding; the active finding's spans stand out),
 * and a chip per report flag the report mentions ("Implant mentioned"); a chip lights up its own
 * evidence. Where the dataset hides NLP evidence, neither highlights nor chips are shown.
 */
import { useMemo, useState } from 'react'
import { flagChips, flagSpans, segments, type EvidenceSpan, type ReportFlagLike } from './evidence'

const NO_FLAGS: readonly ReportFlagLike[] = []

export function ReportPanel({
  text,
  spans,
  active,
  showEvidence,
  flags = NO_FLAGS,
}: {
  text: string | null
  spans: readonly EvidenceSpan[]
  active: string | null
  showEvidence: boolean
  flags?: readonly ReportFlagLike[]
}) {
  const [focus, setFocus] = useState<string | null>(null)
  const chips = useMemo(() => (showEvidence ? flagChips(flags) : []), [flags, showEvidence])
  const segs = useMemo(
    () => (text ? segments(text, showEvidence ? [...spans, ...flagSpans(flags, text.length)] : []) : []),
    [text, spans, flags, showEvidence],
  )
  if (text == null) return <p className="muted">No report for this study.</p>
  const lit = (findings: string[]) =>
    (active != null && findings.includes(active)) || (focus != null && findings.includes(focus))
  return (
    <>
      {chips.length > 0 && (
        <div className="hints" aria-label="Report flags">
          {chips.map((c) => (
            <button
              key={c.flag}
              type="button"
              className={`hint v-${c.value}`}
              data-testid={`report-flag-${c.flag}`}
              aria-pressed={focus === c.flag}
              title={`NLP report flag (not a finding): ${c.flag} ${c.value}; click to highlight its evidence`}
              onClick={() => setFocus((f) => (f === c.flag ? null : c.flag))}
            >
              {c.label}
            </button>
          ))}
        </div>
      )}
      <div className="report" data-testid="report" aria-label="Report">
        {segs.map((s) =>
          s.findings.length ? (
            <mark
              key={s.start}
              className={`ev v-${s.values[0]}${lit(s.findings) ? ' active' : ''}`}
              data-findings={s.findings.join(' ')}
              title={`NLP evidence: ${s.findings.join(', ')} (${s.values.join(', ')})`}
            >
              {s.text}
            </mark>
          ) : (
            <span key={s.start}>{s.text}</span>
          ),
        )}
      </div>
    </>
  )
}
