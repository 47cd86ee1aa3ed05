/**
 * The image viewer (OHIF-like) over full-bit-depth pixels: the image's modality values reach the
 * browser once (`/pixels/`, uint16) and window/level, invert, zoom and pan are computed here, exactly
 * (lut.ts mirrors the server's rendering), on a 2-D canvas: left drag = window/level (horizontal =
 * width, vertical = centre), Shift+drag or middle drag = pan, wheel = zoom, number keys = the image's
 * presets in real units (`/windows/`: its own VOI first, HU for CT, distribution-derived for CR/DX),
 * i = invert, r / double click = reset. Measurement tools (w window, l length, d bidirectional, v ellipse;
 * Esc cancels, Delete removes) draw in the image's coordinates over the canvas, in mm from the image's
 * spacing. Where the study has several images, the wheel (Ctrl+wheel zooms) steps through them.
 *
 * Why a canvas and not Cornerstone3D: Cornerstone3D renders through vtk.js on WebGL2, which the
 * headless Debian chromium (--disable-gpu) and firefox-esr that run our browser tests do not
 * reliably give, and its DICOM loader ships WASM codecs for work the server already does. A 65,536-entry
 * lookup table per window change plus one pass over a viewport-sized plane keeps drags at frame rate.
 */
import {
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
  type PointerEvent as ReactPointerEvent,
  type Ref,
  type WheelEvent as ReactWheelEvent,
} from 'react'
import type { Action } from '../../app/hotkeys'
import type { ImageInfo } from '../../api/types'
import { buildLut, paintGrey, type Voi } from './lut'
import { toImage, type Tool } from './measure'
import { MeasureList, MeasureShapes } from './MeasureOverlay'
import { loadPlane, loadWindows, planeSize, setViewportLongest, type Plane } from './pixels'
import { useMeasurements } from './useMeasurements'
import { useViewer } from './useViewer'
import { cssTransform, fitSize, pan, wheelFactor, zoomAt } from './viewport'
import './viewer.css'
import { dragWindow, MAX_PRESET_KEYS, windowLabel, type ImageWindows, type Preset, type Win } from './windowing'

export interface ViewerHandle {
  apply: (a: Action) => boolean
}

export interface ViewerProps {
  image: ImageInfo
  /** Called once the image is first painted, with performance.now(). */
  onPainted?: (imageId: number, at: number) => void
  ref?: Ref<ViewerHandle>
  label?: string
  /** A heat map (RGBA PNG at the image's aspect) laid over the image, with its opacity. */
  overlay?: { url: string; opacity: number } | null
  /** The stack this image is one of (the study's images): the wheel steps through it. */
  stack?: { index: number; count: number; onStep: (delta: number) => void } | null
}

interface FrameMetrics {
  /** Milliseconds of each repaint after a window/invert change (LUT + pixel pass + putImageData). */
  frames: number[]
}

declare global {
  interface Window {
    __arbiterViewer?: FrameMetrics
  }
}

function recordFrame(ms: number): void {
  const m = (window.__arbiterViewer ??= { frames: [] })
  m.frames.push(ms)
  if (m.frames.length > 2000) m.frames.splice(0, m.frames.length - 2000)
}

const NO_PRESETS: Preset[] = []

/** Wheel delta (CSS px) per stack step; a mouse notch is about 100, trackpads send many small ones. */
const WHEEL_STEP = 60

export function Viewer({ image, onPainted, ref, label, overlay, stack }: ViewerProps) {
  const [windows, setWindows] = useState<ImageWindows | null>(null)
  const [plane, setPlane] = useState<Plane | null>(null)
  const [error, setError] = useState<string | null>(null)
  const presets = windows?.presets ?? NO_PRESETS
  const ctl = useViewer(presets)
  const { state, effective } = ctl
  const boxRef = useRef<HTMLDivElement>(null)
  const canvasRef = useRef<HTMLCanvasElement>(null)
  const [box, setBox] = useState({ w: 0, h: 0 })
  const painted = useRef(false)
  const lut = useRef(new Uint8Array(65536))
  const frame = useRef<ImageData | null>(null)
  const [paintedOnce, setPaintedOnce] = useState(false)
  const stackRef = useRef<HTMLDivElement>(null)
  const spacing = windows?.pixel_spacing ?? null
  const measure = useMeasurements(spacing)
  const measureRef = useRef(measure)
  measureRef.current = measure

  const apply = useCallback(
    (a: Action): boolean => {
      if (a.type === 'tool') {
        measure.setTool(a.tool)
        return true
      }
      if (a.type === 'delete-measurement') return measure.remove()
      return ctl.apply(a)
    },
    [ctl.apply, measure],
  )
  useImperativeHandle(ref, () => ({ apply }), [apply])

  // Esc while drawing or with a measurement tool is the viewer's (cancel, then leave the tool), not
  // the screen's: the screen's window listener skips a key whose default was prevented.
  useEffect(() => {
    const el = boxRef.current
    if (!el) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && measureRef.current.cancel()) e.preventDefault()
    }
    el.addEventListener('keydown', onKey)
    return () => el.removeEventListener('keydown', onKey)
  }, [])

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

  // The values (at the viewport's size, once per image and size) and the presets.
  const size = box.w > 0 ? planeSize(image, Math.max(box.w, box.h)) : 0
  useEffect(() => {
    if (size === 0) return // not measured yet: the size decides which plane (and cache entry) to use
    let live = true
    Promise.all([loadPlane(image.id, size), loadWindows(image.id)]).then(
      ([p, w]) => {
        if (!live) return
        setPlane(p)
        setWindows(w)
        setError(null)
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : 'The image could not be loaded.'),
    )
    return () => {
      live = false
    }
  }, [image.id, size])

  const mono1 = (windows?.photometric ?? image.photometric_interpretation).toUpperCase() === 'MONOCHROME1'
  const inverted = mono1 !== state.invert
  const voi: Voi | null =
    windows == null
      ? null
      : state.window == null && windows.voi_lut
        ? { kind: 'lut', lut: windows.voi_lut }
        : state.window == null
          ? { kind: 'window', center: effective.center, width: effective.width, fn: presets[0]?.function ?? 'LINEAR' }
          : { kind: 'window', center: effective.center, width: effective.width, fn: 'LINEAR' }

  // Repaint on every change of values, window or inversion (synchronously, before the browser paints).
  useLayoutEffect(() => {
    const canvas = canvasRef.current
    if (!canvas || !plane || !voi) return
    const t0 = performance.now()
    if (canvas.width !== plane.cols || canvas.height !== plane.rows) {
      canvas.width = plane.cols
      canvas.height = plane.rows
    }
    const ctx = canvas.getContext('2d')
    if (!ctx) return
    if (!frame.current || frame.current.width !== plane.cols || frame.current.height !== plane.rows) {
      frame.current = ctx.createImageData(plane.cols, plane.rows)
    }
    const data = frame.current
    buildLut(plane, voi, inverted, lut.current)
    paintGrey(plane.samples, lut.current, new Uint32Array(data.data.buffer))
    ctx.putImageData(data, 0, 0)
    const ms = performance.now() - t0
    canvas.dataset.frameMs = ms.toFixed(2)
    if (painted.current) {
      recordFrame(ms)
      return
    }
    painted.current = true
    setPaintedOnce(true)
    // After the next frame is painted (rAF runs before the paint; the task after it runs after).
    requestAnimationFrame(() => setTimeout(() => onPainted?.(image.id, performance.now()), 0))
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [plane, voi?.kind, effective.center, effective.width, voi?.kind === 'window' ? voi.fn : '', inverted, box.w > 0])

  const range = plane ? plane.hi - plane.lo : 2 ** image.bits_stored

  // Pointer: left drag = window/level, Shift+left or middle = pan.
  const drag = useRef<{ x: number; y: number; mode: 'wl' | 'pan'; start: Win; view: typeof state.view } | null>(null)
  const imagePoint = (e: { clientX: number; clientY: number }) => {
    const r = stackRef.current?.getBoundingClientRect()
    return r && r.width > 0 ? toImage(e.clientX, e.clientY, r, image.cols, image.rows) : null
  }
  const measuring = useRef(false)
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 && e.button !== 1) return
    e.preventDefault()
    ;(e.currentTarget as HTMLElement).setPointerCapture(e.pointerId)
    boxRef.current?.focus({ preventScroll: true })
    const p = e.button === 0 && !e.shiftKey && measure.tool !== 'window' ? imagePoint(e) : null
    if (p) {
      measuring.current = true
      measure.begin(p)
      return
    }
    drag.current = {
      x: e.clientX,
      y: e.clientY,
      mode: e.button === 1 || e.shiftKey ? 'pan' : 'wl',
      start: effective,
      view: state.view,
    }
  }
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (measuring.current) {
      const p = imagePoint(e)
      if (p) measure.move(p)
      return
    }
    const d = drag.current
    if (!d) return
    const dx = e.clientX - d.x
    const dy = e.clientY - d.y
    if (d.mode === 'pan') ctl.setView(pan(d.view, dx, dy))
    else ctl.setWindow(dragWindow(d.start, dx, dy, range), null)
  }
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (measuring.current) {
      measuring.current = false
      measure.end()
    }
    drag.current = null
    ;(e.currentTarget as HTMLElement).releasePointerCapture?.(e.pointerId)
  }
  const wheelAcc = useRef(0)
  const onWheel = useCallback(
    (e: ReactWheelEvent<HTMLDivElement>) => {
      if (stack && stack.count > 1 && !e.ctrlKey && !e.metaKey) {
        // deltaMode 1 = lines (Firefox with a mouse): about 33 px each.
        wheelAcc.current += e.deltaY * (e.deltaMode === 1 ? 33 : 1)
        const steps = Math.trunc(wheelAcc.current / WHEEL_STEP)
        if (steps !== 0) {
          wheelAcc.current -= steps * WHEEL_STEP
          stack.onStep(Math.sign(steps))
        }
        return
      }
      const r = boxRef.current?.getBoundingClientRect()
      if (!r) return
      const px = e.clientX - (r.left + r.width / 2)
      const py = e.clientY - (r.top + r.height / 2)
      ctl.setView(zoomAt(state.view, wheelFactor(e.deltaY), px, py))
    },
    [ctl, state.view, stack],
  )
  // Wheel must not scroll the page while over the image.
  useEffect(() => {
    const el = boxRef.current
    if (!el) return
    const stop = (e: WheelEvent) => e.preventDefault()
    el.addEventListener('wheel', stop, { passive: false })
    return () => el.removeEventListener('wheel', stop)
  }, [])

  const fit = fitSize(image.cols, image.rows, box.w, box.h)
  const preset = presets.find((p) => p.key === state.preset)
  const presetLabel = preset ? preset.label : 'Custom'
  return (
    <div className="viewer">
      <div
        ref={boxRef}
        className="viewer-canvas"
        data-tool={measure.tool}
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
          <div ref={stackRef} className="viewer-stack" style={{ width: fit.width, height: fit.height, transform: cssTransform(state.view) }}>
            <canvas
              ref={canvasRef}
              data-testid="viewer-image"
              data-image-id={image.id}
              data-painted={paintedOnce ? 1 : 0}
              data-wc={Math.round(effective.center)}
              data-ww={Math.round(effective.width)}
              data-invert={state.invert ? 1 : 0}
              data-preset={state.preset ?? ''}
              style={{ width: '100%', height: '100%' }}
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
            <MeasureShapes
              cols={image.cols}
              rows={image.rows}
              items={measure.items}
              draft={measure.draft}
              selected={measure.selected}
              screenScale={(fit.width / image.cols) * state.view.scale}
            />
          </div>
        )}
        <MeasureList
          items={measure.items}
          selected={measure.selected}
          spacing={spacing}
          plane={plane}
          cols={image.cols}
          rows={image.rows}
          units={windows?.units ?? ''}
          onSelect={measure.select}
          onDelete={(id) => measure.remove(id)}
        />
        <div className="viewer-overlay tl" aria-live="polite">
          <div>
            {image.rows}×{image.cols} · {image.bits_stored}-bit · {image.photometric_interpretation}
          </div>
          {image.view_position && <div>View {image.view_position}</div>}
          {stack && stack.count > 1 && (
            <div data-testid="viewer-stack-position">
              Image {stack.index + 1} / {stack.count}
            </div>
          )}
          {windows && !spacing && <div>No pixel spacing: lengths in px</div>}
        </div>
        <div className="viewer-overlay bl" data-testid="viewer-window">
          {windowLabel(effective, windows?.units ?? '')} · {presetLabel}
          {state.invert ? ' · inverted' : ''}
        </div>
        <div className="viewer-overlay br">
          {Math.round(state.view.scale * 100)}%{!plane && !error ? ' · loading…' : ''}
        </div>
        {error && (
          <div className="viewer-error" role="alert">
            {error}
          </div>
        )}
      </div>
      <ViewerToolbar apply={apply} invert={state.invert} preset={state.preset} presets={presets} tool={measure.tool} />
    </div>
  )
}

const TOOLS: ReadonlyArray<readonly [Tool, string, string, string]> = [
  ['window', 'w', 'W/L', 'Window/level drag'],
  ['length', 'l', 'Length', 'Length'],
  ['bidirectional', 'd', 'Bidir', 'Bidirectional (RECIST long and short axis)'],
  ['ellipse', 'v', 'Ellipse', 'Ellipse (area, mean, SD)'],
]

function ViewerToolbar({
  apply,
  invert,
  preset,
  presets,
  tool,
}: {
  apply: (a: Action) => boolean
  invert: boolean
  preset: string | null
  presets: readonly Preset[]
  tool: Tool
}) {
  return (
    <div className="viewer-toolbar" role="toolbar" aria-label="Viewer tools">
      {presets.slice(0, MAX_PRESET_KEYS).map((p, i) => (
        <button
          key={p.key}
          type="button"
          aria-pressed={preset === p.key}
          aria-label={`Window preset ${p.label} (key ${i + 1})`}
          title={`${p.label}: W ${Math.round(p.width)} / L ${Math.round(p.center)} (${i + 1})`}
          data-preset={p.key}
          onClick={() => apply({ type: 'preset', index: i + 1 })}
        >
          {i + 1} {p.key === 'default' ? 'Default' : p.label.split(' ')[0]}
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
      <span className="tool-sep" aria-hidden="true" />
      {TOOLS.map(([t, key, text, name]) => (
        <button
          key={t}
          type="button"
          data-tool={t}
          aria-pressed={tool === t}
          aria-label={`${name} tool (key ${key})`}
          title={`${name} (${key})`}
          onClick={() => apply({ type: 'tool', tool: t })}
        >
          {text}
        </button>
      ))}
    </div>
  )
}
