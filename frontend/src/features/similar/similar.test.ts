import { describe, expect, it } from 'vitest'
import {
  caseSummary,
  howReachedText,
  priorLabelsText,
  shareWith,
  similarityText,
  studyHeading,
} from './format'
import type { SimilarCase } from './types'

const label = (finding: string, value: 'positive' | 'negative' | 'uncertain') => ({
  finding,
  value,
  version: '1',
  how_reached: 'unanimous',
  rounds: 0,
})

const kase = (image: number, positives: string[]): SimilarCase => ({
  rank: image,
  image,
  study: image,
  view_position: 'PA',
  similarity: 0.9,
  thumbnail_url: `/api/v1/images/${image}/thumbnail/`,
  positive_findings: positives,
  how_reached: 'unanimous',
  labels: positives.map((f) => label(f, 'positive')),
})

describe('similar cases formatting', () => {
  it('summarises a case by its positive then uncertain findings', () => {
    const c = { labels: [label('Effusion', 'uncertain'), label('Nodule', 'positive'), label('Mass', 'negative')] }
    expect(caseSummary(c)).toBe('Nodule, Effusion?')
    expect(caseSummary({ labels: [label('Mass', 'negative')] })).toBe('no finding')
  })

  it('shows similarity as a clamped percentage and how a label was reached', () => {
    expect(similarityText(0.874)).toBe('87%')
    expect(similarityText(-0.2)).toBe('0%')
    expect(similarityText(1.0000001)).toBe('100%')
    expect(howReachedText('correction')).toBe('corrected')
    expect(howReachedText(null)).toBe('')
  })

  it('counts how many neighbours share a finding', () => {
    const cases = [kase(1, ['Nodule']), kase(2, []), kase(3, ['Nodule', 'Mass'])]
    expect(shareWith(cases, 'Nodule')).toBe('2 of 3')
    expect(shareWith([], 'Nodule')).toBeNull()
  })
})

describe('priors formatting', () => {
  it('heads a study with its date, relation and modality', () => {
    expect(studyHeading({ study_date: '2019-01-05', relation: 'prior', modality: 'CR' })).toBe('2019-01-05 · prior · CR')
    expect(studyHeading({ study_date: null, relation: 'undated', modality: '' })).toBe('no date · undated')
  })

  it('says where labels come from, and when they are withheld', () => {
    const final = { label_source: 'adjudicated' as const, labels: [{ finding: 'Fracture', value: 'positive' }] }
    expect(priorLabelsText(final, false)).toBe('final: Fracture')
    expect(priorLabelsText(final, true)).toBe('labels hidden during your blind read')
    const nlp = { label_source: 'nlp' as const, labels: [{ finding: 'Effusion', value: 'uncertain' }] }
    expect(priorLabelsText(nlp, false)).toBe('NLP: Effusion?')
    expect(priorLabelsText({ label_source: null, labels: [] }, false)).toBe('no labels')
  })
})
