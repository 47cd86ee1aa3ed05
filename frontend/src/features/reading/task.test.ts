import { describe, expect, it } from 'vitest'
import { CHOICE } from './answers'
import { taskKey, toTask } from './task'

const image = { id: 7, study: 3, rows: 10, cols: 10, bits_stored: 12, photometric_interpretation: 'MONOCHROME2' }
const findings = [
  { key: 'Atelectasis', name: 'Atelectasis', is_derived: false },
  { key: 'Effusion', name: 'Effusion', is_derived: false },
  { key: 'No Finding', name: 'No Finding', is_derived: true },
]
const item = (over: Record<string, unknown> = {}) => ({
  image,
  study: { id: 3, image_ids: [7, 8] },
  schema_kind: 'multi_label',
  findings,
  report: { text: 'Left basal atelectasis.', sections: {} },
  nlp_labels: [{ finding: 'Atelectasis', value: 'positive', evidence: [{ start: 11, end: 22 }], source_version: 'v' }],
  model_labels: [{ finding: 'Effusion', value: 'negative', probability: 0.12, source_version: 'm' }],
  readers: [],
  final_labels: [],
  ...over,
})
const round = (r: number, labels: Array<[string, string, string?]>, comment = '') => ({
  round: r,
  labels: labels.map(([finding, value, c]) => ({ finding, value, comment: c ?? '' })),
  comment,
  submitted_at: null,
})

describe('task mapping', () => {
  it('maps a first read: read id, study images, report, NLP evidence and model probabilities', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const t = toTask({ task: 'read', read: { id: 41 }, case: null, item: item() } as any)!
    expect(t.kind).toBe('read')
    expect(taskKey(t)).toBe('read:41:0')
    expect(t.studyImageIds).toEqual([7, 8])
    expect(t.report).toBe('Left basal atelectasis.')
    expect(t.model).toEqual({ Effusion: 0.12 })
    expect(t.open).toBeNull()
    expect(t.mine).toEqual({})
  })

  it('is null when there is nothing to do', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(toTask({ task: null, read: null, case: null, item: null } as any)).toBeNull()
  })

  it('maps an adjudication round: others by latest round, my answers on the open findings only', () => {
    const readers = [
      { reader: 'A', reader_id: null, is_me: true, rounds: [round(0, [['Atelectasis', 'positive'], ['Effusion', 'negative']])] },
      {
        reader: 'B',
        reader_id: null,
        is_me: false,
        rounds: [round(0, [['Atelectasis', 'negative', 'clear'], ['Effusion', 'negative']], 'overall'), round(1, [['Atelectasis', 'uncertain']])],
      },
    ]
    const t = toTask({
      task: 'adjudication',
      read: null,
      case: { id: 5, current_round: 2, open_findings: ['Atelectasis'], readers, final_labels: [{ id: 1 }] },
      item: item(),
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
    } as any)!
    expect(taskKey(t)).toBe('adjudication:5:2')
    expect(t.open).toEqual(['Atelectasis'])
    expect(t.mine).toEqual({ Atelectasis: { value: 'positive', comment: '' } })
    expect(t.others).toEqual([
      { reader: 'B', values: { Atelectasis: 'uncertain', Effusion: 'negative' }, comments: {}, comment: 'overall' },
    ])
    expect(t.finals).toHaveLength(1)
  })

  it('turns single-choice reads into the chosen class', () => {
    const oct = [
      { key: 'CNV', name: 'CNV', is_derived: false },
      { key: 'NORMAL', name: 'Normal', is_derived: false },
    ]
    const readers = [
      { reader: 'A', reader_id: 1, is_me: false, rounds: [round(0, [['CNV', 'negative'], ['NORMAL', 'positive']])] },
    ]
    const t = toTask({
      task: 'decision',
      read: null,
      case: { id: 9, current_round: 3, open_findings: ['CNV', 'NORMAL'], readers, final_labels: [] },
      item: item({ schema_kind: 'single_choice', findings: oct }),
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
    } as any)!
    expect(t.open).toEqual([CHOICE])
    expect(t.others[0].values).toEqual({ [CHOICE]: 'NORMAL' })
  })
})
