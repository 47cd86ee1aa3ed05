import { describe, expect, it } from 'vitest'
import { deltaSpan, deltaX, findingDeltas, findingMetrics, macroAuroc, rocPath, trapezoidAuc } from './metrics'

const report = {
  macro_auroc: 0.81,
  findings: {
    Effusion: {
      n: 40, n_positive: 12, auroc: 0.875, auroc_ci_low: 0.7, auroc_ci_high: 0.97,
      sensitivity: 0.8, specificity: 0.9, threshold: 0.5,
      roc: { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], thresholds: [null, 0.9, 0.4, 0.1] },
    },
    Hernia: { n: 40, n_positive: 0, auroc: null, roc: { fpr: [0], tpr: [0] } },
  },
}

describe('model metrics', () => {
  it('reads per-finding metrics, keeping undefined ones as null', () => {
    const m = findingMetrics(report)
    expect(m.map((x) => x.finding)).toEqual(['Effusion', 'Hernia'])
    expect(m[0]).toMatchObject({ auroc: 0.875, ciLow: 0.7, ciHigh: 0.97, sensitivity: 0.8, nPositive: 12 })
    expect(m[1].auroc).toBeNull()
    expect(m[1].roc).toBeNull()
    expect(macroAuroc(report)).toBe(0.81)
    expect(findingMetrics(null)).toEqual([])
  })

  it('draws the ROC in the box and its area is the AUROC', () => {
    const r = findingMetrics(report)[0].roc!
    expect(rocPath(r, 100, 50)).toBe('M0.0,50.0 L0.0,25.0 L50.0,0.0 L100.0,0.0')
    expect(trapezoidAuc(r)).toBeCloseTo(0.875, 12)
  })

  it('reads a comparison and places deltas on a symmetric axis', () => {
    const d = findingDeltas({
      findings: { Effusion: { auroc_candidate: 0.9, auroc_production: 0.8, delta: 0.1, delta_ci_low: -0.02, delta_ci_high: 0.21, p_delong: 0.04 } },
    })
    expect(d[0]).toMatchObject({ delta: 0.1, ciLow: -0.02, ciHigh: 0.21, p: 0.04 })
    expect(deltaSpan(d)).toBeCloseTo(0.25, 12)
    expect(deltaX(0, 0.25, 200)).toBe(100)
    expect(deltaX(0.25, 0.25, 200)).toBe(200)
    expect(deltaX(-1, 0.25, 200)).toBe(0)
  })
})
