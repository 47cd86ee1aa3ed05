/**
 * "Similar cases": the k most similar already-adjudicated images with their final labels and how
 * they were reached. During a blinded first read (dataset policy) it shows why it is empty; pass a
 * new `refreshKey` after the read is submitted to load the cases.
 */
import { useAsync } from '../../ui/useAsync'
import { caseSummary, howReachedText, similarityText } from './format'
import { loadSimilar } from './source'

export function SimilarCasesPanel({
  imageId,
  k = 10,
  refreshKey,
  onOpen,
}: {
  imageId: number
  k?: number
  refreshKey?: unknown
  onOpen?: (imageId: number) => void
}) {
  const state = useAsync(() => loadSimilar(imageId, k), [imageId, k, refreshKey])
  return (
    <section className="panel similar-cases" data-testid="similar-cases" aria-label="Similar cases">
      <h3>Similar cases</h3>
      {state.loading && !state.data ? <p className="muted">Loading…</p> : null}
      {state.error ? <p className="error" role="alert">{state.error}</p> : null}
      {state.data?.kind === 'hidden' ? (
        <p className="muted" data-testid="similar-hidden">{state.data.message}</p>
      ) : null}
      {state.data?.kind === 'unavailable' ? (
        <p className="muted" data-testid="similar-unavailable">{state.data.message}</p>
      ) : null}
      {state.data?.kind === 'cases' ? (
        state.data.answer.results.length ? (
          <ol className="similar-list">
            {state.data.answer.results.map((c) => (
              <li key={c.image} data-testid="similar-case" data-image={c.image}>
                <button
                  type="button"
                  className="thumb"
                  title={`Image ${c.image}`}
                  onClick={onOpen ? () => onOpen(c.image) : undefined}
                  disabled={!onOpen}
                >
                  <img src={c.thumbnail_url} alt={`Similar case ${c.rank}`} loading="lazy" />
                </button>
                <div>
                  <div>
                    <strong>{similarityText(c.similarity)}</strong> <span>{caseSummary(c)}</span>
                  </div>
                  <div className="muted">{howReachedText(c.how_reached)}</div>
                </div>
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">No adjudicated case to compare with yet.</p>
        )
      ) : null}
      {state.data?.kind === 'cases' ? (
        <p className="muted small">
          {state.data.answer.model_version.tag} · {state.data.answer.search.method}
        </p>
      ) : null}
    </section>
  )
}
