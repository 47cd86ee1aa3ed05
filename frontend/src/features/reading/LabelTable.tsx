/** NLP and model labels of an image: one row per finding and source, with the evidence text. */
import type { Label } from '../../api/types'

const VALUE_TEXT: Record<string, string> = {
  positive: 'present',
  negative: 'absent',
  uncertain: 'uncertain',
  blank: 'not mentioned',
}

export function LabelTable({ labels }: { labels: readonly Label[] }) {
  if (labels.length === 0) return <p className="muted">No NLP or model labels yet.</p>
  return (
    <table className="labels">
      <thead>
        <tr>
          <th scope="col">Finding</th>
          <th scope="col">Source</th>
          <th scope="col">Value</th>
          <th scope="col">Evidence</th>
        </tr>
      </thead>
      <tbody>
        {labels.map((l) => (
          <tr key={l.id}>
            <td>{l.finding}</td>
            <td>{l.source}</td>
            <td className={`v-${l.value}`}>
              {VALUE_TEXT[l.value] ?? l.value}
              {l.probability != null ? ` (${Math.round(l.probability * 100)}%)` : ''}
            </td>
            <td className="muted">
              {Array.isArray(l.evidence)
                ? (l.evidence as Array<{ text?: string }>).map((e) => e.text).filter(Boolean).join(' · ')
                : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
