import { describe, expect, it } from 'vitest'
import {
  contradictionSummary,
  excerpt,
  fixHint,
  kindText,
  type ContradictionGroup,
  type Contradictions,
} from './format'

const group = (rule: string, kind: ContradictionGroup['kind'] = 'nlp_present'): ContradictionGroup => ({
  finding: 'Cardiomegaly',
  kind,
  rule,
  count: 2,
  reports: [],
})

const result = (over: Partial<Contradictions>): Contradictions => ({
  dataset_id: 1,
  nlp_version: 'arbiter-nlp-1.0+chestxray14.abc',
  compared: 75,
  contradicted: 7,
  groups: [group("[probable] phrase 'borderline cardiomegaly'")],
  ...over,
})

describe('NLP loop panel', () => {
  it('summarises no labels, nothing to compare, agreement and contradictions', () => {
    expect(contradictionSummary(result({ nlp_version: null }))).toMatch(/label the reports first/)
    expect(contradictionSummary(result({ compared: 0, contradicted: 0, groups: [] }))).toMatch(/No final label/)
    expect(contradictionSummary(result({ contradicted: 0, groups: [] }))).toBe(
      'The final labels agree with every NLP label (75 compared).',
    )
    expect(contradictionSummary(result({}))).toBe(
      '7 of 75 final labels (9.3%) contradict the NLP label, from 1 rule; the largest group first.',
    )
  })

  it('says which way the NLP was wrong and where to fix it', () => {
    expect(kindText('nlp_present')).toMatch(/NLP said present/)
    expect(kindText('nlp_absent')).toMatch(/NLP missed it/)
    expect(fixHint(group("[probable] phrase 'borderline cardiomegaly'"))).toMatch(/Cardiomegaly phrase file/)
    expect(fixHint(group("phrase 'airspace disease'"))).toMatch(/phrase file/)
    expect(fixHint(group('no mention', 'nlp_absent'))).toMatch(/add one/)
    expect(fixHint(group("POSSIBLE_EXISTENCE 'suggestive of'", 'nlp_absent'))).toMatch(/ConText rule/)
    expect(fixHint(group('No Finding rule (derived from the other findings)'))).toMatch(/other findings|those groups/)
  })

  it('cuts the context around the evidence so the span can be highlighted', () => {
    const span = {
      start: 10,
      end: 33,
      text: 'Borderline cardiomegaly',
      rule: '[probable] phrase',
      context: 'FINDINGS: Borderline cardiomegaly.\n Clear lungs.',
    }
    expect(excerpt(span)).toEqual([
      { text: 'FINDINGS: ', evidence: false },
      { text: 'Borderline cardiomegaly', evidence: true },
      { text: '. Clear lungs.', evidence: false },
    ])
    expect(excerpt({ ...span, text: 'not there' })).toEqual([
      { text: 'FINDINGS: Borderline cardiomegaly. Clear lungs.', evidence: false },
    ])
    expect(excerpt({ ...span, context: '' })).toEqual([])
  })
})
