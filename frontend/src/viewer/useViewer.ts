/** The viewer's state (window, invert, zoom/pan) and how actions change it. */
import { useCallback, useMemo, useState } from 'react'
import type { Action } from '../app/hotkeys'
import { HOME, zoomAt, type View } from './viewport'
import { defaultWindow, presetWindow, type ImageMeta, type PresetKey, type Win } from './windowing'

export interface ViewerState {
  /** null = the file's own VOI (server default). */
  window: Win | null
  preset: PresetKey | null
  invert: boolean
  view: View
}

export const INITIAL: ViewerState = { window: null, preset: 'default', invert: false, view: HOME }

export interface ViewerControl {
  state: ViewerState
  meta: ImageMeta
  /** The numeric window in effect (the file's window when `window` is null). */
  effective: Win
  setWindow: (w: Win | null, preset?: PresetKey | null) => void
  setView: (v: View) => void
  /** Applies a viewer action; false if the action is not a viewer action. */
  apply: (a: Action) => boolean
  reset: () => void
}

export function metaOf(img: {
  bits_stored: number
  photometric_interpretation: string
  window_center?: number | null
  window_width?: number | null
}): ImageMeta {
  return {
    bitsStored: img.bits_stored,
    photometric: img.photometric_interpretation,
    windowCenter: img.window_center ?? null,
    windowWidth: img.window_width ?? null,
  }
}

export function useViewer(meta: ImageMeta): ViewerControl {
  const [state, setState] = useState<ViewerState>(INITIAL)
  const effective = useMemo(() => state.window ?? defaultWindow(meta), [state.window, meta])
  const setWindow = useCallback(
    (w: Win | null, preset: PresetKey | null = null) => setState((s) => ({ ...s, window: w, preset })),
    [],
  )
  const setView = useCallback((v: View) => setState((s) => ({ ...s, view: v })), [])
  const reset = useCallback(() => setState(INITIAL), [])
  const apply = useCallback(
    (a: Action): boolean => {
      switch (a.type) {
        case 'preset':
          setState((s) => ({ ...s, window: presetWindow(a.preset, meta), preset: a.preset }))
          return true
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
    [meta],
  )
  return { state, meta, effective, setWindow, setView, apply, reset }
}
