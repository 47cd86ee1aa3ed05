/**
 * The model's heat map over the image (class activation map for CheXNet, occlusion map for the OCT
 * model) from `GET /images/{id}/overlay/`, with a finding and an opacity slider. The server refuses
 * it where the dataset hides overlays (403) or there is no production model (409); the reason shows.
 */
import { useEffect, useState } from 'react'
import type { paths } from '../../api/schema'
import { getViewportLongest } from '../viewer/pixels'
import { renderSize } from '../viewer/windowing'
import { overlayProblem } from './source'

// The build fails here if the server's overlay endpoint goes away or moves.
const OVERLAY_PATH: keyof paths = '/api/v1/images/{image_id}/overlay/'

export interface OverlayState {
  on: boolean
  finding: string
  opacity: number
}

export function overlayUrl(imageId: number, longest: number, finding: string): string {
  const size = Math.min(1024, renderSize(longest, getViewportLongest(), devicePixelRatio || 1))
  const q = new URLSearchParams({ alpha: '1', size: String(size) })
  if (finding) q.set('finding', finding)
  return `${OVERLAY_PATH.replace('{image_id}', String(imageId))}?${q}`
}

/** Loads the overlay when switched on; the URL to lay over the image, or the reason there is none. */
export function useOverlay(imageId: number, longest: number, s: OverlayState): { url: string | null; problem: string | null } {
  const url = s.on ? overlayUrl(imageId, longest, s.finding) : null
  const [ready, setReady] = useState<string | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => {
    if (!url) return
    let live = true
    setProblem(null)
    overlayProblem(url).then(
      (p) => {
        if (!live) return
        if (p == null) setReady(url)
        else setProblem(p)
      },
      (e: unknown) => live && setProblem(String(e)),
    )
    return () => {
      live = false
    }
  }, [url])
  return { url: url && ready === url ? url : null, problem: url ? problem : null }
}

export function OverlayControls({
  state,
  onChange,
  findings,
  problem,
}: {
  state: OverlayState
  onChange: (s: OverlayState) => void
  findings: ReadonlyArray<{ key: string; name: string }>
  problem: string | null
}) {
  return (
    <div className="overlay-controls" role="group" aria-label="Model heat map">
      <label className="check">
        <input type="checkbox" checked={state.on} onChange={(e) => onChange({ ...state, on: e.target.checked })} /> Model
        heat map (o)
      </label>
      <label>
        <span className="sr-only">Heat map finding</span>
        <select
          value={state.finding}
          onChange={(e) => onChange({ ...state, finding: e.target.value })}
          disabled={!state.on}
          aria-label="Heat map finding"
        >
          <option value="">most probable finding</option>
          {findings.map((f) => (
            <option key={f.key} value={f.key}>
              {f.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="sr-only">Heat map opacity</span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={state.opacity}
          disabled={!state.on}
          onChange={(e) => onChange({ ...state, opacity: Number(e.target.value) })}
          aria-label="Heat map opacity"
        />
      </label>
      {problem && (
        <span className="muted" role="status">
          {problem}
        </span>
      )}
    </div>
  )
}
