import { describe, expect, it } from 'vitest'
import { flagChips, flagSpans, segments } from './evidence'

const text = 'FINDINGS: Median sternotomy wires. No hardware in the spine. Small effusion.'

describe('report flags', () => {
  it('gives a chip only where the report affirms or doubts the flag', () => {
    expect(flagChips([{ flag: 'Implant', value: 'positive', evidence: [] }])).toEqual([
      { flag: 'Implant', value: 'positive', label: 'Implant mentioned' },
    ])
    expect(flagChips([{ flag: 'Implant', value: 'uncertain' }]).map((c) => c.label)).toEqual([
      'Implant possibly mentioned',
    ])
    expect(flagChips([{ flag: 'Implant', value: 'negative' }, { flag: 'Implant', value: 'blank' }])).toEqual([])
  })

  it("highlights a flag's evidence, negated mentions too, beside the findings' spans", () => {
    const spans = flagSpans(
      [
        {
          flag: 'Implant',
          value: 'positive',
          evidence: [
            { start: 10, end: 27, text: 'Median sternotomy', rule: 'mention' },
            { start: 38, end: 46, text: 'hardware', rule: "NEGATED_EXISTENCE 'No'" },
            { start: 67, end: 999 },
          ],
        },
      ],
      text.length,
    )
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['Median sternotomy', 'hardware', 'effusion.'])
    const segs = segments(text, [...spans, { start: 67, end: 75, finding: 'Effusion', value: 'positive' }])
    expect(segs.map((s) => s.text).join('')).toBe(text)
    expect(segs.find((s) => s.text === 'Median sternotomy')?.findings).toEqual(['Implant'])
    expect(segs.find((s) => s.text === 'effusion')?.findings).toEqual(['Implant', 'Effusion'])
  })
})
