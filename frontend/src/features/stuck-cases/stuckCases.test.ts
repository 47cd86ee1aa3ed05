import { describe, expect, it } from 'vitest'
import { stuckReason, stuckSummary, type StuckCase } from './stuckCases'

const stuck = (reason: StuckCase['reason']): StuckCase => ({
  case: 7,
  image: 12,
  opened_at: '2026-01-01T00:00:00Z',
  readers: 3,
  reason,
})

describe('stuck cases', () => {
  it('says why each case is stuck', () => {
    expect(stuckReason('no_adjudicator')).toMatch(/no adjudicator/)
    expect(stuckReason('all_adjudicators_read_it')).toMatch(/read this image/)
  })

  it('summarises nothing stuck, one case and several, with what to do', () => {
    expect(stuckSummary(2, [])).toBe('No case is waiting without an eligible adjudicator.')
    expect(stuckSummary(1, [stuck('all_adjudicators_read_it')])).toMatch(/^1 case waits .*\(1 adjudicator on this dataset\): grant/)
    expect(stuckSummary(0, [stuck('no_adjudicator'), stuck('no_adjudicator')])).toMatch(
      /^2 cases wait .*\(no adjudicator on this dataset\)/,
    )
  })
})
