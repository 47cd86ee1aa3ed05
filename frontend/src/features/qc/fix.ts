/**
 * A QC flag's suggested fix (pure): read from the detector's detail, and previewed as CSS. The fix
 * itself is applied on the server (action `fix`) to the derived image; the stored pixels never change.
 */

/** What undoes a detected distortion: turn `rotate`° clockwise, then mirror left-right, invert. */
export interface QcFix {
  rotate: number
  flip: boolean
  invert: boolean
}

/** The flag's suggested fix from its detail, or null: a malformed or empty one counts as none. */
export function fixOf(detail: unknown): { fix: QcFix | null; label: string | null; detected: string | null } {
  const d = (detail ?? {}) as Record<string, unknown>
  const detected = typeof d.predicted === 'string' && d.predicted !== 'upright' ? d.predicted : null
  const f = d.fix as Record<string, unknown> | undefined
  if (!f || typeof f !== 'object') return { fix: null, label: null, detected }
  const rotate = Number(f.rotate ?? 0)
  const fix = { rotate: [0, 90, 180, 270].includes(rotate) ? rotate : 0, flip: f.flip === true, invert: f.invert === true }
  if (!fix.rotate && !fix.flip && !fix.invert) return { fix: null, label: null, detected }
  return { fix, label: typeof d.fix_label === 'string' ? d.fix_label : null, detected }
}

/** CSS that shows a thumbnail as the fix will make the derived image look (a preview only). */
export function fixPreviewStyle(fix: QcFix | null): { transform?: string; filter?: string } {
  if (!fix) return {}
  const parts = []
  if (fix.flip) parts.push('scaleX(-1)')
  if (fix.rotate) parts.push(`rotate(${fix.rotate}deg)`)
  return {
    ...(parts.length ? { transform: parts.join(' ') } : {}),
    ...(fix.invert ? { filter: 'invert(1)' } : {}),
  }
}
