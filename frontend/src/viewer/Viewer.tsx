/**
 * The image viewer (OHIF-like): the server's full-bit-depth render at the current window, with
 * window/level by left drag (horizontal = width, vertical = centre), pan by Shift+drag or middle drag,
 * zoom by wheel, presets on number keys, invert, reset. While the window changes, the last render is
 * shown through an exact linear grey transform (SVG filter) and a new render is asked for after a
 * short pause; it replaces the approximation once decoded.
 */
import {
  useCallback,
  useEffect,
  useId,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
  type PointerEvent as ReactPointerEvent,
  type Ref,
  type WheelEvent as ReactWheelEvent,
} from 'react'
import type { Action } from '../app/hotkeys'
import type { ImageInfo } from '../api/types'
import { getViewportLongest, preload, setViewportLongest } from './preload'
import { metaOf, useViewer } from './useViewer'
import { cssTransform, fitSize, pan, wheelFactor, zoomAt } from './viewport'
import {
  approxTransform,
  defaultWindow,
  dragWindow,
  isIdentity,
  presetByKey,
  PRESETS,
  renderSize,
  renderUrl,
  type Win,
} from './windowing'

export interface ViewerHandle {
  apply: (a: Action) => boolean
}

export interface ViewerProps {
  image: ImageInfo
  /** Called once the image (first render of this image) is painted, with performance.now(). */
  onPainted?: (imageId: number, at: number) => void
  ref?: Ref<ViewerHandle>
  label?: string
  /** A heat map (RGBA PNG at the image's aspect) laid over the image, with its opacity. */
  overlay?: { url: string; opacity: number } | null
}

const RENDER_DEBOUNCE_MS = 120

interface Shown {
  url: string
  window: Win
  invert: boolean
}

/** The render URL for an image at the given window and the viewport size (shared with prefetch). */
export function viewUrl(image: ImageInfo, window: Win | null, invert: boolean, viewportLongest?: number): string {
  const size = renderSize(Math.max(image.rows, image.cols), viewportLongest ?? getViewportLongest(), devicePixelRatio || 1)
  return renderUrl(image.id, { window, invert, size })
}

export function Viewer({ image, onPainted, ref, label, overlay }: ViewerProps) {
  const meta = metaOf(image)
  const ctl = useViewer(meta)
  const { state, effective } = ctl
  const filterId = useId().replace(/:/g, '_') + 'wl'
  const boxRef = useRef<HTMLDivElement>(null)
  const [box, setBox] = useState({ w: 0, h: 0 })
  const initialUrl = viewUrl(image, null, false)
  const [shown, setShown] = useState<Shown>({ url: initialUrl, window: defaultWindow(meta), invert: false })
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const painted = useRef(false)
  const latest = useRef(0)

  useImperativeHandle(ref, () => ({ apply: ctl.apply }), [ctl.apply])

  useLayoutEffect(() => {
    const el = boxRef.current
    if (!el) return
    const measure = () => {
      const r = el.getBoundingClientRect()
      setBox({ w: r.width, h: r.height })
      setViewportLongest(Math.max(r.width, r.height))
    }
    measure()
    const ro = new ResizeObserver(measure)
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  // Ask the server for the current window (debounced while it keeps changing).
  const wantedUrl = box.w > 0 ? viewUrl(image, state.window, state.invert, Math.max(box.w, box.h)) : shown.url
  useEffect(() => {
    if (wantedUrl === shown.url) return
    const ticket = ++latest.current
    const t = window.setTimeout(() => {
      setLoading(true)
      preload(wantedUrl).then(
        () => {
          if (ticket !== latest.current) return
          setShown({ url: wantedUrl, window: state.window ?? defaultWindow(meta), invert: state.invert })
          setLoading(false)
          setError(null)
        },
        () => {
          if (ticket !== latest.current) return
          setLoading(false)
          setError('The image could not be rendered.')
        },
      )
    }, RENDER_DEBOUNCE_MS)
    return () => window.clearTimeout(t)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wantedUrl])

  const mono1 = meta.photometric.toUpperCase() === 'MONOCHROME1'
  const grey = approxTransform(shown.window, effective, mono1 !== shown.invert, mono1 !== state.invert)
  const identity = isIdentity(grey, 1e-6)

  // Pointer: left drag = window/level, Shift+left or middle = pan.
  const drag = useRef<{ x: number; y: number; mode: 'wl' | 'pan'; start: Win; view: typeof state.view } | null>(null)
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 && e.button !== 1) return
    e.preventDefault()
    ;(e.currentTarget as HTMLElement).setPointerCapture(e.pointerId)
    boxRef.current?.focus({ preventScroll: true })
    drag.current = {
      x: e.clientX,
      y: e.clientY,
      mode: e.button === 1 || e.shiftKey ? 'pan' : 'wl',
      start: effective,
      view: state.view,
    }
  }
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const d = drag.current
    if (!d) return
    const dx = e.clientX - d.x
    const dy = e.clientY - d.y
    if (d.mode === 'pan') ctl.setView(pan(d.view, dx, dy))
    else ctl.setWindow(dragWindow(d.start, dx, dy, meta), null)
  }
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    drag.current = null
    ;(e.currentTarget as HTMLElement).releasePointerCapture?.(e.pointerId)
  }
  const onWheel = useCallback(
    (e: ReactWheelEvent<HTMLDivElement>) => {
      const r = boxRef.current?.getBoundingClientRect()
      if (!r) return
      const px = e.clientX - (r.left + r.width / 2)
      const py = e.clientY - (r.top + r.height / 2)
      ctl.setView(zoomAt(state.view, wheelFactor(e.deltaY), px, py))
    },
    [ctl, state.view],
  )
  // Wheel must not scroll the page while over the image.
  useEffect(() => {
    const el = boxRef.current
    if (!el) return
    const stop = (e: WheelEvent) => e.preventDefault()
    el.addEventListener('wheel', stop, { passive: false })
    return () => el.removeEventListener('wheel', stop)
  }, [])

  const onLoad = () => {
    if (painted.current) return
    painted.current = true
    // After the next frame is painted (rAF runs before the paint; the task after it runs after).
    requestAnimationFrame(() => setTimeout(() => onPainted?.(image.id, performance.now()), 0))
  }

  const fit = fitSize(image.cols, image.rows, box.w, box.h)
  const presetLabel = state.preset ? presetByKey(state.preset).label : 'Custom'
  return (
    <div className="viewer">
      <svg width="0" height="0" style={{ position: 'absolute' }} aria-hidden="true" focusable="false">
        <filter id={filterId} colorInterpolationFilters="sRGB">
          <feComponentTransfer>
            <feFuncR type="linear" slope={grey.slope} intercept={grey.intercept} />
            <feFuncG type="linear" slope={grey.slope} intercept={grey.intercept} />
            <feFuncB type="linear" slope={grey.slope} intercept={grey.intercept} />
          </feComponentTransfer>
        </filter>
      </svg>
      <div
        ref={boxRef}
        className="viewer-canvas"
        tabIndex={0}
        role="img"
        aria-label={label ?? `Image ${image.id}: drag to change the window, wheel to zoom, Shift+drag to pan`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onWheel={onWheel}
        onDoubleClick={ctl.reset}
        onContextMenu={(e) => e.preventDefault()}
      >
        {fit.width > 0 && (
          <div className="viewer-stack" style={{ width: fit.width, height: fit.height, transform: cssTransform(state.view) }}>
            <img
              data-testid="viewer-image"
              data-image-id={image.id}
              data-wc={Math.round(effective.center)}
              data-ww={Math.round(effective.width)}
              data-invert={state.invert ? 1 : 0}
              src={shown.url}
              alt=""
              draggable={false}
              onLoad={onLoad}
              onError={() => setError('The image could not be loaded.')}
              style={{ filter: identity ? 'none' : `url(#${filterId})` }}
            />
            {overlay && (
              <img
                className="heatmap"
                data-testid="viewer-heatmap"
                src={overlay.url}
                alt=""
                draggable={false}
                style={{ opacity: overlay.opacity }}
              />
            )}
          </div>
        )}
        <div className="viewer-overlay tl" aria-live="polite">
          <div>
            {image.rows}×{image.cols} · {image.bits_stored}-bit · {image.photometric_interpretation}
          </div>
          {image.view_position && <div>View {image.view_position}</div>}
        </div>
        <div className="viewer-overlay bl" data-testid="viewer-window">
          W {Math.round(effective.width)} / L {Math.round(effective.center)} · {presetLabel}
          {state.invert ? ' · inverted' : ''}
        </div>
        <div className="viewer-overlay br">
          {Math.round(state.view.scale * 100)}%{loading ? ' · rendering…' : ''}
        </div>
        {error && (
          <div className="viewer-error" role="alert">
            {error}
          </div>
        )}
      </div>
      <ViewerToolbar apply={ctl.apply} invert={state.invert} preset={state.preset} />
    </div>
  )
}


function ViewerToolbar({
  apply,
  invert,
  preset,
}: {
  apply: (a: Action) => boolean
  invert: boolean
  preset: string | null
}) {
  return (
    <div className="viewer-toolbar" role="toolbar" aria-label="Viewer tools">
      {PRESETS.map((p) => (
        <button
          key={p.key}
          type="button"
          aria-pressed={preset === p.key}
          aria-label={`Window preset ${p.label} (key ${p.hotkey})`}
          title={`${p.label} (${p.hotkey})`}
          onClick={() => apply({ type: 'preset', preset: p.key })}
        >
          {p.hotkey} {p.label.split(' ')[0]}
        </button>
      ))}
      <button type="button" aria-pressed={invert} aria-label="Invert (key i)" onClick={() => apply({ type: 'invert' })}>
        Invert
      </button>
      <button type="button" aria-label="Zoom in (key +)" onClick={() => apply({ type: 'zoom', factor: 1.25 })}>
        +
      </button>
      <button type="button" aria-label="Zoom out (key -)" onClick={() => apply({ type: 'zoom', factor: 0.8 })}>
        −
      </button>
      <button type="button" aria-label="Reset view (key r)" onClick={() => apply({ type: 'reset' })}>
        Reset
      </button>
    </div>
  )
}
