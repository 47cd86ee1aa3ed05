/** The similar-cases panel and priors strip of the reading and adjudication screens. */
export { PriorsStrip } from './PriorsStrip'
export { SimilarCasesPanel } from './SimilarCasesPanel'
export { loadPriors, loadSimilar, type SimilarState } from './source'
export type * from './types'
