import { describe, expect, it } from 'vitest'
import {
  allUnsetAbsent,
  CHOICE,
  disagreements,
  missing,
  moveRow,
  nextUnanswered,
  questionsOf,
  rowValue,
  setComment,
  setValue,
  toPayload,
} from './answers'

const cxr = questionsOf('multi_label', [
  { key: 'effusion', name: 'Effusion', order: 2 },
  { key: 'atelectasis', name: 'Atelectasis', order: 1 },
  { key: 'no_finding', name: 'No Finding', order: 15, is_derived: true },
])
const oct = questionsOf('single_choice', [
  { key: 'CNV', name: 'CNV', order: 1 },
  { key: 'NORMAL', name: 'Normal', order: 2 },
])

describe('multi-label answers', () => {
  it('asks the labelled findings in schema order, never the derived ones', () => {
    expect(cxr.rows.map((r) => r.key)).toEqual(['atelectasis', 'effusion'])
  })
  it('sets values and comments per finding and tells what is missing', () => {
    let a = setValue(cxr, {}, 'effusion', 'positive')
    a = setComment(cxr, a, 'effusion', ' blunted angle ')
    expect(rowValue(cxr, a, 'effusion')).toBe('positive')
    expect(missing(cxr, a)).toEqual(['atelectasis'])
    a = allUnsetAbsent(cxr, a)
    expect(missing(cxr, a)).toEqual([])
    expect(toPayload(a)).toEqual({
      effusion: { value: 'positive', comment: 'blunted angle' },
      atelectasis: { value: 'negative', comment: '' },
    })
  })
  it('moves between rows and jumps to the next unanswered one', () => {
    expect(moveRow(cxr, 0, 1)).toBe(1)
    expect(moveRow(cxr, 1, 1)).toBe(1)
    expect(moveRow(cxr, 0, -1)).toBe(0)
    const a = setValue(cxr, {}, 'effusion', 'negative')
    expect(nextUnanswered(cxr, a, 1)).toBe(0)
    expect(nextUnanswered(cxr, setValue(cxr, a, 'atelectasis', 'uncertain'), 1)).toBe(1)
  })
})

describe('single-choice answers', () => {
  it('chooses one class; absent and uncertain do not apply', () => {
    let a = setValue(oct, {}, 'NORMAL', 'positive')
    expect(rowValue(oct, a, 'NORMAL')).toBe('positive')
    expect(rowValue(oct, a, 'CNV')).toBe('negative')
    expect(setValue(oct, a, 'CNV', 'negative')).toBe(a)
    a = setValue(oct, a, 'CNV', 'positive')
    expect(toPayload(a)).toEqual({ [CHOICE]: { value: 'CNV', comment: '' } })
    expect(missing(oct, {})).toEqual([CHOICE])
    expect(allUnsetAbsent(oct, {})).toEqual({})
  })
})

describe('disagreements', () => {
  it('marks the questions on which readers differ', () => {
    const others = [
      { reader: 'A', values: { effusion: 'positive', atelectasis: 'negative' } },
      { reader: 'B', values: { effusion: 'negative', atelectasis: 'negative' } },
    ]
    expect([...disagreements(others)]).toEqual(['effusion'])
    const mine = { atelectasis: { value: 'uncertain', comment: '' } }
    expect([...disagreements(others, mine)].sort()).toEqual(['atelectasis', 'effusion'])
  })
})
