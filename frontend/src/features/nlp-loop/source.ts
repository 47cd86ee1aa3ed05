/** The NLP loop's data source: contradicted NLP labels grouped by phrase or rule, five example
 * reports per group, for one finding or all (`finding` empty). */
import { request } from '../../api/client'
import type { Contradictions } from './format'

export function contradictions(datasetId: number, finding: string): Promise<Contradictions> {
  const q = new URLSearchParams({ examples: '5' })
  if (finding) q.set('finding', finding)
  return request<Contradictions>('GET', `/api/v1/datasets/${datasetId}/nlp-contradictions/?${q}`)
}
