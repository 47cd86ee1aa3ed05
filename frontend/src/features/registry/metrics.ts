/**
 * Model metrics as the training runs and the registry store them (the ML core's JSON: a multi-label
 * report with per-finding AUROC, CI, operating point and ROC points; a comparison of a candidate
 * against the production model), read defensively (a metric may be null when undefined), and the
 * pure geometry of the plots drawn from them.
 */

export interface Roc {
  fpr: number[]
  tpr: number[]
}

export interface FindingMetrics {
  finding: string
  n: number | null
  nPositive: number | null
  auroc: number | null
  ciLow: number | null
  ciHigh: number | null
  sensitivity: number | null
  specificity: number | null
  threshold: number | null
  roc: Roc | null
}

export interface FindingDelta {
  finding: string
  candidate: number | null
  production: number | null
  delta: number | null
  ciLow: number | null
  ciHigh: number | null
  p: number | null
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null)
const obj = (x: unknown): Record<string, unknown> =>
  x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {}

function roc(x: unknown): Roc | null {
  const r = obj(x)
  if (!Array.isArray(r.fpr) || !Array.isArray(r.tpr) || r.fpr.length !== r.tpr.length || r.fpr.length < 2) return null
  const fpr = r.fpr.map(Number)
  const tpr = r.tpr.map(Number)
  if (![...fpr, ...tpr].every((v) => Number.isFinite(v) && v >= 0 && v <= 1)) return null
  return { fpr, tpr }
}

/** Per-finding metrics from a report `{findings: {name: {...}}, macro_auroc}`, in the report's order. */
export function findingMetrics(report: unknown): FindingMetrics[] {
  const findings = obj(obj(report).findings)
  return Object.entries(findings).map(([finding, raw]) => {
    const m = obj(raw)
    return {
      finding,
      n: num(m.n),
      nPositive: num(m.n_positive),
      auroc: num(m.auroc),
      ciLow: num(m.auroc_ci_low),
      ciHigh: num(m.auroc_ci_high),
      sensitivity: num(m.sensitivity),
      specificity: num(m.specificity),
      threshold: num(m.threshold),
      roc: roc(m.roc),
    }
  })
}

export function macroAuroc(report: unknown): number | null {
  return num(obj(report).macro_auroc)
}

/** Per-finding AUROC differences from a comparison `{findings: {name: {...}}, macro_delta}`. */
export function findingDeltas(comparison: unknown): FindingDelta[] {
  const findings = obj(obj(comparison).findings)
  return Object.entries(findings).map(([finding, raw]) => {
    const m = obj(raw)
    return {
      finding,
      candidate: num(m.auroc_candidate),
      production: num(m.auroc_production),
      delta: num(m.delta),
      ciLow: num(m.delta_ci_low),
      ciHigh: num(m.delta_ci_high),
      p: num(m.p_delong),
    }
  })
}

/** SVG path of a ROC curve in a w x h box (x = FPR left to right, y = TPR bottom to top). */
export function rocPath(r: Roc, w: number, h: number): string {
  return r.fpr
    .map((f, i) => `${i === 0 ? 'M' : 'L'}${(f * w).toFixed(1)},${((1 - r.tpr[i]) * h).toFixed(1)}`)
    .join(' ')
}

/** Area under the curve by the trapezoid rule (a check that the plotted points are the AUROC's). */
export function trapezoidAuc(r: Roc): number {
  let a = 0
  for (let i = 1; i < r.fpr.length; i++) a += (r.fpr[i] - r.fpr[i - 1]) * (r.tpr[i] + r.tpr[i - 1]) / 2
  return a
}

/** x position in a w-wide box of a value on a symmetric axis [-span, span] (forest plot of deltas). */
export function deltaX(v: number, span: number, w: number): number {
  const s = span > 0 ? span : 1
  return Math.min(w, Math.max(0, ((v + s) / (2 * s)) * w))
}

/** A symmetric axis span that holds every delta and CI end, rounded up to a 0.05 step. */
export function deltaSpan(ds: readonly FindingDelta[]): number {
  let m = 0.05
  for (const d of ds) for (const v of [d.delta, d.ciLow, d.ciHigh]) if (v != null) m = Math.max(m, Math.abs(v))
  return Math.ceil(m / 0.05) * 0.05
}
