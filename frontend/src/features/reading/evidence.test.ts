import { describe, expect, it } from 'vitest'
import { segments, spansFromLabels } from './evidence'

const text = 'FINDINGS: Mild cardiomegaly. No pleural effusion. Possible small nodule.'

describe('evidence spans', () => {
  it('reads label evidence and drops spans that are out of range or malformed', () => {
    const spans = spansFromLabels(
      [
        { finding: 'cardiomegaly', value: 'positive', evidence: [{ start: 15, end: 27, text: 'cardiomegaly', rule: 'x' }] },
        { finding: 'effusion', value: 'negative', evidence: [{ start: 29, end: 48 }, { start: 80, end: 90 }, { start: 'a' }] },
        { finding: 'mass', value: 'blank', evidence: null },
      ],
      text.length,
    )
    expect(spans.map((s) => [s.finding, s.start, s.end])).toEqual([
      ['cardiomegaly', 15, 27],
      ['effusion', 29, 48],
    ])
    expect(spans[0].rule).toBe('x')
  })

  it('cuts the text into covering segments, with overlaps carrying both findings', () => {
    const spans = [
      { start: 15, end: 27, finding: 'cardiomegaly', value: 'positive' },
      { start: 50, end: 71, finding: 'nodule', value: 'uncertain' },
      { start: 65, end: 71, finding: 'mass', value: 'uncertain' },
    ]
    const segs = segments(text, spans)
    expect(segs.map((s) => s.text).join('')).toBe(text)
    expect(segs.find((s) => s.text === 'cardiomegaly')?.findings).toEqual(['cardiomegaly'])
    const overlap = segs.find((s) => s.start === 65)
    expect(overlap?.text).toBe('nodule')
    expect(overlap?.findings.sort()).toEqual(['mass', 'nodule'])
    expect(segs[0]).toMatchObject({ start: 0, end: 15, findings: [] })
  })

  it('returns the whole text as one plain segment when there is no evidence', () => {
    expect(segments('abc', [])).toEqual([{ start: 0, end: 3, text: 'abc', findings: [], values: [] }])
    expect(segments('', [])).toEqual([])
  })
})
