/** Loading similar cases and priors; a blinded first read is a state to show, not an error. */
import { ApiError, request } from '../../api/client'
import type { PriorsAnswer, SimilarAnswer } from './types'

export type SimilarState =
  | { kind: 'cases'; answer: SimilarAnswer }
  | { kind: 'hidden'; message: string }
  | { kind: 'unavailable'; message: string }

/** Codes the server answers when there is nothing to compare yet (no model, no embedding). */
const UNAVAILABLE = new Set(['no_model', 'no_embedding', 'bad_embedding', 'retrieval_failed'])

export async function loadSimilar(imageId: number, k = 10, modelVersion?: number): Promise<SimilarState> {
  const q = new URLSearchParams({ k: String(k) })
  if (modelVersion !== undefined) q.set('model_version', String(modelVersion))
  try {
    const answer = await request<SimilarAnswer>('GET', `/api/v1/images/${imageId}/similar/?${q}`)
    return { kind: 'cases', answer }
  } catch (e) {
    if (e instanceof ApiError && e.status === 403 && e.code === 'blinded_first_read') {
      return { kind: 'hidden', message: e.message }
    }
    if (e instanceof ApiError && e.status === 409 && UNAVAILABLE.has(e.code)) {
      return { kind: 'unavailable', message: e.message }
    }
    throw e
  }
}

export function loadPriors(imageId: number): Promise<PriorsAnswer> {
  return request<PriorsAnswer>('GET', `/api/v1/images/${imageId}/priors/`)
}
