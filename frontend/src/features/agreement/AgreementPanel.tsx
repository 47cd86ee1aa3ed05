/** Reader agreement in the admin console: Fleiss' kappa per finding, NLP and model against the
 * final labels, each reader against the final labels. */
import type { Dataset } from '../../api/types'
import { useAsync } from '../../ui/useAsync'
import { agreement } from './source'

const fmt = (x: number | null | undefined) => (x == null ? '—' : x.toFixed(2))

export function AgreementPanel({ dataset }: { dataset: Dataset }) {
  const ag = useAsync(() => agreement(dataset.id), [dataset.id])
  const a = ag.data
  return (
    <section className="panel" aria-labelledby="ag-h">
      <h3 id="ag-h">Reader agreement</h3>
      {ag.error && <p role="alert">{ag.error}</p>}
      {a && a.items_done === 0 && <p className="muted">No final items yet.</p>}
      {a && a.items_done > 0 && (
        <>
          <p className="muted">{a.items_done} final items.</p>
          <table>
            <thead>
              <tr>
                <th scope="col">Finding</th>
                <th scope="col">Items</th>
                <th scope="col">Fleiss κ</th>
                <th scope="col">NLP vs final (κ)</th>
                <th scope="col">Model vs final (κ)</th>
              </tr>
            </thead>
            <tbody>
              {a.findings.map((f) => (
                <tr key={f.finding}>
                  <td>{f.finding}</td>
                  <td>{f.n_items}</td>
                  <td>{fmt(f.fleiss_kappa)}</td>
                  <td>{fmt(f.nlp.kappa)}</td>
                  <td>{fmt(f.model.kappa)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <thead>
              <tr>
                <th scope="col">Reader</th>
                <th scope="col">Items</th>
                <th scope="col">Agreement with final</th>
                <th scope="col">κ with final</th>
              </tr>
            </thead>
            <tbody>
              {a.readers.map((r) => (
                <tr key={r.reader}>
                  <td>{r.username}</td>
                  <td>{r.n}</td>
                  <td>{fmt(r.agreement)}</td>
                  <td>{fmt(r.kappa)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}
