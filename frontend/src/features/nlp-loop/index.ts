/** The NLP loop panel of the admin console (issue #16). */
export { NlpContradictionsPanel } from './NlpContradictionsPanel'
export * from './format'
