import { describe, expect, it } from 'vitest'
import { kappaBar, kappaWords, latestByKind, tilesOf, type Dashboard } from './dashboard'

const d: Dashboard = {
  dataset: 1,
  films: 120,
  nlp_labelled: 100,
  qc_held: 4,
  queued: 50,
  read_once: 10,
  read_twice: 5,
  read_thrice: 1,
  in_adjudication: 3,
  final: 40,
  not_queued: 7,
  kappa: [],
  readers: [],
}

describe('dashboard', () => {
  it('lists the pipeline counts in order, images first', () => {
    expect(tilesOf(d).map((t) => [t.label, t.value])).toEqual([
      ['Films', 120],
      ['NLP-labelled', 100],
      ['QC-held', 4],
      ['Queued', 50],
      ['Read once', 10],
      ['Read twice', 5],
      ['Read 3+', 1],
      ['In adjudication', 3],
      ['Final', 40],
    ])
  })
  it('draws kappa from 0 to 1 and names it', () => {
    expect(kappaBar(0.55)).toBe(0.55)
    expect(kappaBar(-0.2)).toBe(0)
    expect(kappaBar(null)).toBe(0)
    expect(kappaWords(0.55)).toBe('moderate')
    expect(kappaWords(0.9)).toBe('almost perfect')
    expect(kappaWords(null)).toBe('not enough items')
  })
  it('keeps the newest job of each kind', () => {
    const jobs = [
      { id: 1, kind: 'nlp' },
      { id: 3, kind: 'nlp' },
      { id: 2, kind: 'qc' },
    ]
    expect(latestByKind(jobs)).toEqual({ nlp: { id: 3, kind: 'nlp' }, qc: { id: 2, kind: 'qc' } })
  })
})
