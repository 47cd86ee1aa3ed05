/** The worklists: every dataset the user may see, with the actions their roles allow on it. */
import { Link } from '../app/router'
import { canRead, isAdminOn, rolesOn, useMe } from '../app/session'
import { listDatasets } from '../features/datasets/source'
import { useAsync } from '../ui/useAsync'

export function Home() {
  const me = useMe()
  const datasets = useAsync(listDatasets, [])
  return (
    <section className="panel">
      <h1>Worklists</h1>
      {datasets.error && <p role="alert">{datasets.error}</p>}
      {datasets.loading && !datasets.data && <p className="loading">Loading datasets…</p>}
      {datasets.data && datasets.data.length === 0 && (
        <p>You hold no role on any dataset yet. Ask an admin to add you to one.</p>
      )}
      <ul className="cards" aria-label="Datasets">
        {datasets.data?.map((d) => {
          const roles = me.is_staff ? ['staff'] : rolesOn(me, d.id)
          return (
            <li key={d.id} className="card" data-testid={`dataset-${d.slug}`}>
              <h2>{d.name}</h2>
              <p className="muted">
                {d.modality} · {d.schema} · {d.image_count} images · {d.readers_per_item} readers per item
              </p>
              <p className="muted">Your roles: {roles.join(', ') || 'none'}</p>
              <div className="actions">
                {canRead(me, d.id) && (
                  <Link className="button primary" href={`/read/${d.id}`}>
                    Start reading
                  </Link>
                )}
                {(canRead(me, d.id) || isAdminOn(me, d.id)) && (
                  <Link className="button" href={`/qc/${d.id}`}>
                    QC grid
                  </Link>
                )}
                {isAdminOn(me, d.id) && (
                  <Link className="button" href={`/console/${d.id}`} data-testid="dataset-admin-link">
                    Admin
                  </Link>
                )}
              </div>
            </li>
          )
        })}
      </ul>
    </section>
  )
}
