/**
 * Cases waiting for an adjudicator that no adjudicator of the dataset may decide (GET
 * /api/v1/datasets/{id}/stuck-cases/): the sentence an admin reads, saying why and what to do.
 */

export type StuckReason = 'no_adjudicator' | 'all_adjudicators_read_it'

export interface StuckCase {
  case: number
  image: number
  opened_at: string
  readers: number
  reason: StuckReason
}

export function stuckReason(reason: StuckReason): string {
  return reason === 'no_adjudicator'
    ? 'This dataset has no adjudicator.'
    : 'Every adjudicator of this dataset read this image, and readers may not decide their own items.'
}

/** The panel's one-line summary. */
export function stuckSummary(adjudicators: number, cases: readonly StuckCase[]): string {
  if (cases.length === 0) return 'No case is waiting without an eligible adjudicator.'
  const n = cases.length === 1 ? '1 case waits' : `${cases.length} cases wait`
  const who = adjudicators === 0 ? 'no adjudicator' : `${adjudicators} adjudicator${adjudicators === 1 ? '' : 's'}`
  return `${n} for an adjudicator nobody eligible can give (${who} on this dataset): grant the adjudicator role to someone who did not read them.`
}
