/**
 * Similar already-adjudicated cases (other patients) and the same patient's prior studies, for a
 * reader who hesitates (issue 9). Similar cases load when the panel is opened; the server withholds
 * them (403 blinded_first_read) during a blinded first read when the dataset's policy says so, and
 * answers 409 while there is no model or embedding yet: both are shown as plain sentences.
 */
import { useState } from 'react'
import { api, unwrap } from '../api/client'
import { useAsync } from '../app/useAsync'

export function SimilarPanel({ imageId, onOpen }: { imageId: number; onOpen: (imageId: number) => void }) {
  const [open, setOpen] = useState(false)
  const similar = useAsync(async () => {
    if (!open) return undefined
    return unwrap(
      await api.GET('/api/v1/images/{image_id}/similar/', { params: { path: { image_id: imageId } } }),
    )
  }, [open, imageId])
  const why = similar.error
  return (
    <details className="similar" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Similar adjudicated cases</summary>
      {open && similar.loading && <p className="muted">Searching…</p>}
      {why && <p className="muted" role="status">{why}</p>}
      {similar.data && similar.data.results.length === 0 && <p className="muted">No adjudicated case to compare yet.</p>}
      {similar.data && similar.data.results.length > 0 && (
        <ul className="similar-list" aria-label="Similar cases">
          {similar.data.results.map((c) => (
            <li key={c.image}>
              <button type="button" className="thumb" onClick={() => onOpen(c.image)} aria-label={`Open similar case ${c.rank}`}>
                <img src={c.thumbnail_url} alt="" loading="lazy" />
              </button>
              <div>
                <div>
                  #{c.rank} · similarity {c.similarity.toFixed(2)}
                  {c.how_reached ? ` · ${c.how_reached}` : ''}
                </div>
                <div className="muted">{c.positive_findings.length ? c.positive_findings.join(', ') : 'no positive finding'}</div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </details>
  )
}

export function PriorsStrip({ imageId, onOpen }: { imageId: number; onOpen: (imageId: number) => void }) {
  const pri = useAsync(
    async () =>
      unwrap(await api.GET('/api/v1/images/{image_id}/priors/', { params: { path: { image_id: imageId } } })),
    [imageId],
  )
  const studies = pri.data?.studies ?? []
  if (pri.error || studies.length === 0) return null
  return (
    <div className="priors" role="list" aria-label="The patient's other studies">
      {studies.map((s) => (
        <div key={s.id} role="listitem" className="prior">
          <div className="muted">
            {s.study_date ? `${s.study_date} · ${s.relation.replace('_', ' ')}` : s.relation.replace('_', ' ')}
          </div>
          <div className="prior-images">
            {s.images.map((im) => (
              <button
                key={im.id}
                type="button"
                className="thumb"
                title={
                  pri.data?.labels_hidden
                    ? (pri.data.labels_hidden_reason ?? '')
                    : im.labels.filter((l) => l.value === 'positive').map((l) => l.finding).join(', ') || 'no positive finding'
                }
                aria-label={`Open prior image ${im.id} (${s.study_date ?? 'undated'})`}
                onClick={() => onOpen(im.id)}
              >
                <img src={im.thumbnail_url} alt="" loading="lazy" />
              </button>
            ))}
          </div>
        </div>
      ))}
    </div>
  )
}
