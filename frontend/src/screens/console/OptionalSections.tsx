/**
 * Console sections whose APIs arrive with later issues (training runs, model registry, agreement,
 * label-set snapshots). Each probes its endpoint and says so plainly when the server has none yet.
 */
import type { Dataset } from '../../api/types'

export function OptionalSections({ dataset }: { dataset: Dataset; section: string | null }) {
  return (
    <section className="panel" aria-labelledby="more-h">
      <h3 id="more-h">Training, models, agreement and snapshots</h3>
      <p className="muted">
        These sections of {dataset.name} appear here as the server's training, registry, agreement and export
        endpoints become available.
      </p>
    </section>
  )
}
