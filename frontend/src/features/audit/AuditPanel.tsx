/**
 * Who exported, downloaded or re-identified what, and when (platform staff only; the server
 * refuses everyone else). Newest first, one page.
 */
import { useAsync } from '../../ui/useAsync'
import { describeEvent } from './auditLog'
import { auditEvents } from './source'

export function AuditPanel() {
  const events = useAsync(auditEvents, [])
  const rows = events.data?.results ?? []
  return (
    <section className="panel" aria-labelledby="audit-h" data-testid="audit-log">
      <h3 id="audit-h">Access audit: exports, downloads, re-identifications</h3>
      {events.error && <p role="alert">{events.error}</p>}
      {events.data && !rows.length && <p className="muted">Nothing exported or re-identified yet.</p>}
      {rows.length > 0 && (
        <table data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Dataset</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.id}>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>{describeEvent(e)}</td>
                <td>{e.dataset ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {events.data && events.data.count > rows.length && (
        <p className="muted">
          Showing the newest {rows.length} of {events.data.count}; the API pages through the rest.
        </p>
      )}
    </section>
  )
}
