/**
 * Cases stuck without an eligible adjudicator: after the last round they wait for an adjudicator
 * who did not read the image, and there is none. Lists them with the reason, so an admin can grant
 * the role to someone else.
 */
import type { Dataset } from '../../api/types'
import { useAsync } from '../../ui/useAsync'
import { stuckCases } from './source'
import { stuckReason, stuckSummary, type StuckCase } from './stuckCases'

export function StuckCasesPanel({ dataset }: { dataset: Dataset }) {
  const stuck = useAsync(() => stuckCases(dataset.id), [dataset.id])
  const s = stuck.data
  const cases = (s?.cases ?? []) as StuckCase[]
  return (
    <section className="panel" aria-labelledby="stuck-h" data-testid="stuck-cases">
      <h3 id="stuck-h">Cases without an eligible adjudicator</h3>
      {stuck.error && <p role="alert">{stuck.error}</p>}
      {s && <p className={cases.length ? 'error' : 'muted'}>{stuckSummary(s.adjudicators, cases)}</p>}
      {cases.length > 0 && (
        <table data-testid="stuck-cases-table">
          <thead>
            <tr>
              <th scope="col">Case</th>
              <th scope="col">Image</th>
              <th scope="col">Readers</th>
              <th scope="col">Waiting since</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {cases.map((c) => (
              <tr key={c.case}>
                <td>{c.case}</td>
                <td>{c.image}</td>
                <td>{c.readers}</td>
                <td>{new Date(c.opened_at).toLocaleString()}</td>
                <td>{stuckReason(c.reason)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
