import { describe, expect, it } from 'vitest'
import { matchRoute } from './routes'

describe('routes', () => {
  it('matches every screen with its parameters', () => {
    expect(matchRoute('/')).toEqual({ name: 'home' })
    expect(matchRoute('/read/3')).toEqual({ name: 'read', dataset: 3 })
    expect(matchRoute('/adjudicate/3/')).toEqual({ name: 'adjudicate', dataset: 3 })
    expect(matchRoute('/images/42')).toEqual({ name: 'image', image: 42 })
    expect(matchRoute('/qc/7')).toEqual({ name: 'qc', dataset: 7 })
    expect(matchRoute('/console')).toEqual({ name: 'console', dataset: null, section: null })
    expect(matchRoute('/console/2/jobs')).toEqual({ name: 'console', dataset: 2, section: 'jobs' })
  })
  it('says not found for anything else', () => {
    expect(matchRoute('/read/abc')).toEqual({ name: 'not-found', path: '/read/abc' })
  })
})
