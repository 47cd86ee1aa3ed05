/** ROC curves, the per-finding AUROC table and the candidate-vs-production forest plot (SVG). */
import { useState } from 'react'
import { deltaSpan, deltaX, type FindingDelta, type FindingMetrics, rocPath } from './metrics'

const f2 = (x: number | null) => (x == null ? '—' : x.toFixed(3))
const COLOURS = ['#4c8dff', '#ff8a65', '#7bd88f', '#ffd166', '#c792ea', '#4dd0e1', '#f06292', '#aed581']

export function RocPlot({ metrics, size = 260 }: { metrics: readonly FindingMetrics[]; size?: number }) {
  const curves = metrics.filter((m) => m.roc)
  const [shown, setShown] = useState<string | null>(null)
  if (curves.length === 0) return <p className="muted">No ROC curve (a finding needs both classes in the test set).</p>
  const pad = 28
  return (
    <figure className="plot">
      <svg
        width={size + pad + 8}
        height={size + pad + 8}
        role="img"
        aria-label={`ROC curves of ${curves.length} findings`}
        data-testid="roc-plot"
      >
        <g transform={`translate(${pad},8)`}>
          <rect width={size} height={size} fill="#0c1014" stroke="#2b343e" />
          <path d={`M0,${size} L${size},0`} stroke="#44505c" strokeDasharray="4 4" />
          {curves.map((m, i) => (
            <path
              key={m.finding}
              d={rocPath(m.roc!, size, size)}
              fill="none"
              stroke={COLOURS[i % COLOURS.length]}
              strokeWidth={shown === m.finding ? 3 : 1.5}
              opacity={shown && shown !== m.finding ? 0.25 : 1}
            >
              <title>
                {m.finding}: AUROC {f2(m.auroc)}
              </title>
            </path>
          ))}
          <text x={size / 2} y={size + 22} fill="#94a0ad" fontSize="11" textAnchor="middle">
            1 − specificity (FPR)
          </text>
          <text x={-size / 2} y={-16} fill="#94a0ad" fontSize="11" textAnchor="middle" transform="rotate(-90)">
            sensitivity (TPR)
          </text>
        </g>
      </svg>
      <figcaption className="legend">
        {curves.map((m, i) => (
          <button
            key={m.finding}
            type="button"
            className="link"
            style={{ color: COLOURS[i % COLOURS.length] }}
            onMouseEnter={() => setShown(m.finding)}
            onMouseLeave={() => setShown(null)}
            onFocus={() => setShown(m.finding)}
            onBlur={() => setShown(null)}
            aria-label={`Highlight ${m.finding}`}
          >
            {m.finding} {f2(m.auroc)}
          </button>
        ))}
      </figcaption>
    </figure>
  )
}

export function AurocTable({ metrics }: { metrics: readonly FindingMetrics[] }) {
  return (
    <table data-testid="auroc-table">
      <thead>
        <tr>
          <th scope="col">Finding</th>
          <th scope="col">Positives / n</th>
          <th scope="col">AUROC (95% CI)</th>
          <th scope="col">Sensitivity</th>
          <th scope="col">Specificity</th>
          <th scope="col">Threshold</th>
        </tr>
      </thead>
      <tbody>
        {metrics.map((m) => (
          <tr key={m.finding}>
            <td>{m.finding}</td>
            <td>
              {m.nPositive ?? '—'} / {m.n ?? '—'}
            </td>
            <td>
              {f2(m.auroc)}
              {m.ciLow != null && m.ciHigh != null ? ` (${f2(m.ciLow)}–${f2(m.ciHigh)})` : ''}
            </td>
            <td>{f2(m.sensitivity)}</td>
            <td>{f2(m.specificity)}</td>
            <td>{f2(m.threshold)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** Forest plot: AUROC(candidate) − AUROC(production) per finding with its 95% CI. */
export function ComparisonPlot({ deltas, width = 360 }: { deltas: readonly FindingDelta[]; width?: number }) {
  const rows = deltas.filter((d) => d.delta != null)
  if (rows.length === 0) return null
  const span = deltaSpan(rows)
  const label = 150
  const rowH = 18
  const h = rows.length * rowH + 24
  return (
    <svg
      width={label + width + 10}
      height={h}
      role="img"
      aria-label="AUROC of the candidate minus the production model, per finding, with 95% confidence intervals"
      data-testid="comparison-plot"
    >
      <g transform={`translate(${label},4)`}>
        <line x1={deltaX(0, span, width)} x2={deltaX(0, span, width)} y1={0} y2={rows.length * rowH} stroke="#44505c" />
        {rows.map((d, i) => {
          const y = i * rowH + rowH / 2
          const better = (d.ciLow ?? -1) > 0
          const worse = (d.ciHigh ?? 1) < 0
          const colour = better ? '#7bd88f' : worse ? '#ff6b6b' : '#cbd3da'
          return (
            <g key={d.finding}>
              <text x={-8} y={y + 4} fill="#cbd3da" fontSize="11" textAnchor="end">
                {d.finding}
              </text>
              {d.ciLow != null && d.ciHigh != null && (
                <line x1={deltaX(d.ciLow, span, width)} x2={deltaX(d.ciHigh, span, width)} y1={y} y2={y} stroke={colour} />
              )}
              <circle cx={deltaX(d.delta!, span, width)} cy={y} r={3.5} fill={colour}>
                <title>
                  {d.finding}: {f2(d.production)} → {f2(d.candidate)} (Δ {f2(d.delta)})
                </title>
              </circle>
            </g>
          )
        })}
        <text x={0} y={rows.length * rowH + 16} fill="#94a0ad" fontSize="10">
          −{span.toFixed(2)}
        </text>
        <text x={width} y={rows.length * rowH + 16} fill="#94a0ad" fontSize="10" textAnchor="end">
          +{span.toFixed(2)} (candidate better)
        </text>
      </g>
    </svg>
  )
}
