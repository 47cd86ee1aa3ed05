/** The report with the NLP evidence highlighted (per finding; the active finding's spans stand out). */
import { useMemo } from 'react'
import { segments, type EvidenceSpan } from './evidence'

export function ReportPanel({
  text,
  spans,
  active,
  showEvidence,
}: {
  text: string | null
  spans: readonly EvidenceSpan[]
  active: string | null
  showEvidence: boolean
}) {
  const segs = useMemo(() => (text ? segments(text, showEvidence ? spans : []) : []), [text, spans, showEvidence])
  if (text == null) return <p className="muted">No report for this study.</p>
  return (
    <div className="report" data-testid="report" aria-label="Report">
      {segs.map((s) =>
        s.findings.length ? (
          <mark
            key={s.start}
            className={`ev v-${s.values[0]}${active && s.findings.includes(active) ? ' active' : ''}`}
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
  )
}
