/**
 * "Priors": the same patient's other studies, oldest first, each image with its labels (final where
 * adjudicated, else NLP). During a blinded first read the dataset may withhold the labels; the
 * images stay, for comparison.
 */
import { useAsync } from '../../ui/useAsync'
import { priorLabelsText, studyHeading } from './format'
import { loadPriors } from './source'

export function PriorsStrip({
  imageId,
  refreshKey,
  onOpen,
}: {
  imageId: number
  refreshKey?: unknown
  onOpen?: (imageId: number) => void
}) {
  const state = useAsync(() => loadPriors(imageId), [imageId, refreshKey])
  const data = state.data
  return (
    <section className="panel priors" data-testid="priors" aria-label="Priors">
      <h3>Priors</h3>
      {state.loading && !data ? <p className="muted">Loading…</p> : null}
      {state.error ? <p className="error" role="alert">{state.error}</p> : null}
      {data && !data.studies.length ? <p className="muted">No other study of this patient.</p> : null}
      {data?.labels_hidden ? <p className="muted" data-testid="priors-hidden">{data.labels_hidden_reason}</p> : null}
      {data?.studies.length ? (
        <ol className="priors-strip">
          {data.studies.map((s) => (
            <li key={s.id} data-testid="prior-study" data-relation={s.relation}>
              <div className="muted">{studyHeading(s)}</div>
              {s.images.map((im) => (
                <div key={im.id} className="prior-image">
                  <button
                    type="button"
                    className="thumb"
                    title={`Image ${im.id}`}
                    onClick={onOpen ? () => onOpen(im.id) : undefined}
                    disabled={!onOpen}
                  >
                    <img src={im.thumbnail_url} alt={`Prior image ${im.id}`} loading="lazy" />
                  </button>
                  <span>{priorLabelsText(im, data.labels_hidden)}</span>
                </div>
              ))}
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  )
}
