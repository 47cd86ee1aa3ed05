/**
 * The NLP loop in the admin console: reports whose NLP label the final label contradicts, grouped
 * by the phrase or ConText rule that fired, largest first, with the evidence highlighted in its
 * sentence -- the labeler rules to fix first (`manage.py nlp_contradictions` prints the same).
 */
import { useState } from 'react'
import type { Dataset } from '../../api/types'
import { useAsync } from '../../ui/useAsync'
import { contradictionSummary, excerpt, fixHint, kindText } from './format'
import { contradictions } from './source'

export function NlpContradictionsPanel({ dataset }: { dataset: Dataset }) {
  const [finding, setFinding] = useState('')
  const result = useAsync(() => contradictions(dataset.id, finding), [dataset.id, finding])
  const c = result.data
  return (
    <section className="panel" aria-labelledby="nlp-loop-h" data-testid="nlp-contradictions">
      <h3 id="nlp-loop-h">NLP labels the readers contradict</h3>
      <p className="actions">
        <label>
          Finding{' '}
          <select value={finding} onChange={(e) => setFinding(e.target.value)} aria-label="Finding">
            <option value="">all findings</option>
            {dataset.findings.map((f) => (
              <option key={f.key} value={f.key}>
                {f.key}
              </option>
            ))}
          </select>
        </label>
      </p>
      {result.error && <p role="alert">{result.error}</p>}
      {c && (
        <p className="muted" data-testid="nlp-contradictions-summary">
          {contradictionSummary(c)}
          {c.nlp_version && <> NLP version {c.nlp_version}.</>}
        </p>
      )}
      {c && c.groups.length > 0 && (
        <table data-testid="nlp-contradictions-table">
          <thead>
            <tr>
              <th scope="col">Reports</th>
              <th scope="col">Finding</th>
              <th scope="col">Which way</th>
              <th scope="col">Phrase or rule</th>
              <th scope="col">Examples</th>
            </tr>
          </thead>
          <tbody>
            {c.groups.map((g) => (
              <tr key={`${g.finding}|${g.kind}|${g.rule}`}>
                <td>{g.count}</td>
                <td>{g.finding}</td>
                <td>{kindText(g.kind)}</td>
                <td>
                  <code>{g.rule}</code>
                  <div className="muted">{fixHint(g)}</div>
                </td>
                <td>
                  <ul className="plain">
                    {g.reports.map((r) => (
                      <li key={`${r.study_id}-${r.image_id}`}>
                        <span className="muted">report {r.report_id ?? '–'}: </span>
                        {r.evidence.length === 0 && <span className="muted">(no mention)</span>}
                        {r.evidence.map((e, i) => (
                          <span key={i}>
                            {excerpt(e).map((s, j) => (s.evidence ? <mark key={j}>{s.text}</mark> : <span key={j}>{s.text}</span>))}
                          </span>
                        ))}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
