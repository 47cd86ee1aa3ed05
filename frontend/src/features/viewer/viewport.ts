/**
 * Zoom and pan of the viewer (pure). The image is drawn fitted to the viewport, then scaled by
 * `scale` about the viewport centre and shifted by (tx, ty) CSS pixels.
 */

export interface View {
  scale: number
  tx: number
  ty: number
}

export const HOME: View = { scale: 1, tx: 0, ty: 0 }
export const MIN_SCALE = 0.25
export const MAX_SCALE = 16

/** Zoom by `factor` keeping the point (px, py), relative to the viewport centre, fixed on screen. */
export function zoomAt(v: View, factor: number, px = 0, py = 0): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor))
  const f = scale / v.scale
  return { scale, tx: px - (px - v.tx) * f, ty: py - (py - v.ty) * f }
}

export function pan(v: View, dx: number, dy: number): View {
  return { ...v, tx: v.tx + dx, ty: v.ty + dy }
}

/** Zoom factor of one mouse-wheel event (deltaY < 0 zooms in), smooth for trackpads. */
export function wheelFactor(deltaY: number): number {
  const clamped = Math.max(-300, Math.min(300, deltaY))
  return Math.exp(-clamped * 0.0015)
}

/** CSS transform of the image element. */
export function cssTransform(v: View): string {
  return `translate(${v.tx}px, ${v.ty}px) scale(${v.scale})`
}

/** Size of an image of (cols x rows) fitted inside a (w x h) viewport, in CSS pixels. */
export function fitSize(cols: number, rows: number, w: number, h: number): { width: number; height: number } {
  if (cols <= 0 || rows <= 0 || w <= 0 || h <= 0) return { width: 0, height: 0 }
  const s = Math.min(w / cols, h / rows)
  return { width: cols * s, height: rows * s }
}
