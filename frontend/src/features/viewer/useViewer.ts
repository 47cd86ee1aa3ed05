/** The viewer's state (window, invert, zoom/pan) and how actions change it. */
import { useCallback, useMemo, useState } from 'react'
import type { Action } from '../../app/hotkeys'
import { HOME, zoomAt, type View } from './viewport'
import { presetForKey, type Preset, type Win } from './windowing'

export interface ViewerState {
  /** null = the image's own VOI (its VOI LUT or first window: the first preset). */
  window: Win | null
  /** Key of the preset in effect, null after a drag (a custom window). */
  preset: string | null
  invert: boolean
  view: View
}

export const INITIAL: ViewerState = { window: null, preset: 'default', invert: false, view: HOME }

export interface ViewerControl {
  state: ViewerState
  /** The numeric window in effect (the default preset's when `window` is null). */
  effective: Win
  setWindow: (w: Win | null, preset?: string | null) => void
  setView: (v: View) => void
  /** Applies a viewer action; false if the action is not a viewer action. */
  apply: (a: Action) => boolean
  reset: () => void
}

export function useViewer(presets: readonly Preset[]): ViewerControl {
  const [state, setState] = useState<ViewerState>(INITIAL)
  const fallback = presets[0] ?? null
  const effective = useMemo(
    () => state.window ?? (fallback ? { center: fallback.center, width: fallback.width } : { center: 0.5, width: 2 }),
    [state.window, fallback],
  )
  const setWindow = useCallback(
    (w: Win | null, preset: string | null = null) => setState((s) => ({ ...s, window: w, preset })),
    [],
  )
  const setView = useCallback((v: View) => setState((s) => ({ ...s, view: v })), [])
  const reset = useCallback(() => setState(INITIAL), [])
  const apply = useCallback(
    (a: Action): boolean => {
      switch (a.type) {
        case 'preset': {
          const p = presetForKey(presets, a.index)
          if (!p) return true // a number key with no preset of that number: nothing to do, still ours
          const isDefault = p === presets[0]
          setState((s) => ({ ...s, window: isDefault ? null : { center: p.center, width: p.width }, preset: p.key }))
          return true
        }
        case 'invert':
          setState((s) => ({ ...s, invert: !s.invert }))
          return true
        case 'reset':
          setState(INITIAL)
          return true
        case 'zoom':
          setState((s) => ({ ...s, view: zoomAt(s.view, a.factor) }))
          return true
        default:
          return false
      }
    },
    [presets],
  )
  return { state, effective, setWindow, setView, apply, reset }
}
