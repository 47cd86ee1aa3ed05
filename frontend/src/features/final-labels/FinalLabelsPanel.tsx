/** A dataset's final labels in the admin console, with how each was reached (first page). */
import type { Dataset } from '../../api/types'
import { useAsync } from '../../ui/useAsync'
import { finalLabels } from './source'

export function FinalLabelsPanel({ dataset }: { dataset: Dataset }) {
  const labels = useAsync(() => finalLabels(dataset.id), [dataset.id])
  const rows = labels.data?.results ?? []
  return (
    <section className="panel" aria-labelledby="final-h">
      <h3 id="final-h">Final labels</h3>
      {labels.error && <p role="alert">{labels.error}</p>}
      {labels.data && rows.length === 0 && <p className="muted">No final labels yet.</p>}
      {rows.length > 0 && (
        <table data-testid="final-labels">
          <thead>
            <tr>
              <th scope="col">Image</th>
              <th scope="col">Finding</th>
              <th scope="col">Value</th>
              <th scope="col">How reached</th>
              <th scope="col">Rounds</th>
              <th scope="col">Version</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((l) => (
              <tr key={l.id} data-finding={l.finding} data-image={l.image}>
                <td>
                  <a href={`/images/${l.image}`}>{l.image}</a>
                </td>
                <td>{l.finding}</td>
                <td className={`v-${l.value}`}>{l.value}</td>
                <td>{l.provenance.how_reached}</td>
                <td>{l.provenance.rounds}</td>
                <td>{l.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {labels.data && labels.data.count > rows.length && (
        <p className="muted">
          Showing {rows.length} of {labels.data.count}.
        </p>
      )}
    </section>
  )
}
