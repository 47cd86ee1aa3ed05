import { describe, expect, it } from 'vitest'
import type { Job } from '../../api/types'
import { cancellable, summaryText } from './jobs'

describe('jobs table', () => {
  it('offers cancel on queued and running jobs of every kind', () => {
    expect(cancellable({ kind: 'scoring', status: 'queued' } as Job)).toBe(true)
    expect(cancellable({ kind: 'scoring', status: 'running' } as Job)).toBe(true)
    for (const status of ['succeeded', 'failed', 'cancelled'] as const) {
      expect(cancellable({ kind: 'scoring', status } as Job)).toBe(false)
    }
    expect(cancellable({ kind: 'import', status: 'running' } as Job)).toBe(true)
    expect(cancellable({ kind: 'nlp', status: 'queued' } as Job)).toBe(true)
    expect(cancellable({ kind: 'qc', status: 'succeeded' } as Job)).toBe(false)
  })

  it('summarises scalars and the error count, not the chunk plan', () => {
    const job = {
      summary: { model_version: 3, chunks: 2, bounds: [[1, 9]], done_chunks: { '0': { scored: 9 } } },
      errors: [{ file: 'image 4' }],
    } as unknown as Job
    expect(summaryText(job)).toBe('model_version 3 · chunks 2 · 1 errors')
  })
})
