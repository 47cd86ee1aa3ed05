/**
 * The keyboard map of every screen (pure): a key press, plus whether the focus is in a text field,
 * becomes an action or nothing. Screens dispatch on the action; the help overlay lists HOTKEY_HELP.
 *
 * Text fields keep their keys: only Escape (leave the field) and Ctrl/Cmd+Enter (submit) act there.
 */
import type { Tool } from '../features/viewer/measure'
import { MAX_PRESET_KEYS } from '../features/viewer/windowing'

export type ReadValue = 'positive' | 'negative' | 'uncertain'

export type Action =
  | { type: 'preset'; index: number }
  | { type: 'invert' }
  | { type: 'reset' }
  | { type: 'zoom'; factor: number }
  | { type: 'next-image' }
  | { type: 'prev-image' }
  | { type: 'tool'; tool: Tool }
  | { type: 'delete-measurement' }
  | { type: 'finding-move'; delta: number }
  | { type: 'set-value'; value: ReadValue }
  | { type: 'all-unset-absent' }
  | { type: 'focus-comment' }
  | { type: 'leave-field' }
  | { type: 'submit' }
  | { type: 'back-to-item' }
  | { type: 'undo' }
  | { type: 'skip' }
  | { type: 'toggle-report' }
  | { type: 'toggle-overlay' }
  | { type: 'help' }
  | { type: 'qc-move'; dx: number; dy: number; extend: boolean }
  | { type: 'qc-toggle' }
  | { type: 'qc-select-all' }
  | { type: 'qc-clear' }
  | { type: 'qc-confirm' }
  | { type: 'qc-reject' }
  | { type: 'qc-rotate' }
  | { type: 'qc-invert' }
  | { type: 'qc-fix' }

export interface KeyInput {
  key: string
  ctrlKey?: boolean
  metaKey?: boolean
  shiftKey?: boolean
  altKey?: boolean
  /** The focus is in an input, textarea, select or contenteditable element. */
  editable?: boolean
}

export type Screen = 'viewer' | 'reading' | 'qc'

/** '1'..'9' -> 1..9: the image's window presets in the server's order (its own VOI first). */
function presetIndex(key: string): number | null {
  const n = key.length === 1 ? key.charCodeAt(0) - 48 : -1
  return n >= 1 && n <= MAX_PRESET_KEYS ? n : null
}

function viewerKey(k: KeyInput): Action | null {
  if (k.ctrlKey || k.metaKey || k.altKey) return null
  const index = presetIndex(k.key)
  if (index != null) return { type: 'preset', index }
  switch (k.key) {
    case 'i':
    case 'I':
      return { type: 'invert' }
    case 'r':
    case 'R':
      return { type: 'reset' }
    case '+':
    case '=':
      return { type: 'zoom', factor: 1.25 }
    case '-':
    case '_':
      return { type: 'zoom', factor: 0.8 }
    case ']':
    case 'ArrowRight':
    case 'PageDown':
      return { type: 'next-image' }
    case '[':
    case 'ArrowLeft':
    case 'PageUp':
      return { type: 'prev-image' }
    case 'w':
    case 'W':
      return { type: 'tool', tool: 'window' }
    case 'l':
    case 'L':
      return { type: 'tool', tool: 'length' }
    case 'd':
    case 'D':
      return { type: 'tool', tool: 'bidirectional' }
    case 'v':
    case 'V':
      return { type: 'tool', tool: 'ellipse' }
    case 'Delete':
    case 'Backspace':
      return { type: 'delete-measurement' }
    case '?':
      return { type: 'help' }
    default:
      return null
  }
}

function readingKey(k: KeyInput): Action | null {
  const mod = k.ctrlKey || k.metaKey
  if (k.key === 'Enter' && mod) return { type: 'submit' }
  if (k.editable) return k.key === 'Escape' ? { type: 'leave-field' } : null
  if (mod || k.altKey) return null
  switch (k.key) {
    case 'ArrowDown':
    case 'j':
      return { type: 'finding-move', delta: 1 }
    case 'ArrowUp':
    case 'k':
      return { type: 'finding-move', delta: -1 }
    case 'p':
    case 'P':
      return { type: 'set-value', value: 'positive' }
    case 'a':
    case 'A':
      return { type: 'set-value', value: 'negative' }
    case 'u':
    case 'U':
      return { type: 'set-value', value: 'uncertain' }
    case 'x':
    case 'X':
      return { type: 'all-unset-absent' }
    case 'c':
    case 'C':
      return { type: 'focus-comment' }
    case 'e':
    case 'E':
      return { type: 'toggle-report' }
    case 'o':
    case 'O':
      return { type: 'toggle-overlay' }
    case 'b':
    case 'B':
    case 'Escape':
      return { type: 'back-to-item' }
    case 'z':
    case 'Z':
      return { type: 'undo' }
    case 's':
    case 'S':
      return { type: 'skip' }
    case 'Enter':
      return { type: 'submit' }
    default:
      return viewerKey(k)
  }
}

function qcKey(k: KeyInput): Action | null {
  if (k.editable) return k.key === 'Escape' ? { type: 'leave-field' } : null
  const mod = k.ctrlKey || k.metaKey
  if (mod && (k.key === 'a' || k.key === 'A')) return { type: 'qc-select-all' }
  if (mod || k.altKey) return null
  const extend = Boolean(k.shiftKey)
  switch (k.key) {
    case 'ArrowRight':
      return { type: 'qc-move', dx: 1, dy: 0, extend }
    case 'ArrowLeft':
      return { type: 'qc-move', dx: -1, dy: 0, extend }
    case 'ArrowDown':
      return { type: 'qc-move', dx: 0, dy: 1, extend }
    case 'ArrowUp':
      return { type: 'qc-move', dx: 0, dy: -1, extend }
    case ' ':
      return { type: 'qc-toggle' }
    case 'Escape':
      return { type: 'qc-clear' }
    case 'c':
    case 'C':
      return { type: 'qc-confirm' }
    case 'x':
    case 'X':
      return { type: 'qc-reject' }
    case 'r':
    case 'R':
      return { type: 'qc-rotate' }
    case 'i':
    case 'I':
      return { type: 'qc-invert' }
    case 'f':
    case 'F':
      return { type: 'qc-fix' }
    case '?':
      return { type: 'help' }
    default:
      return null
  }
}

export function resolveKey(screen: Screen, k: KeyInput): Action | null {
  if (screen === 'qc') return qcKey(k)
  if (screen === 'reading') return readingKey(k)
  if (k.editable) return null
  return viewerKey(k)
}

export function isEditableTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null
  if (!el || typeof el.tagName !== 'string') return false
  const tag = el.tagName.toLowerCase()
  return tag === 'input' || tag === 'textarea' || tag === 'select' || el.isContentEditable === true
}

export function keyInput(e: KeyboardEvent): KeyInput {
  return {
    key: e.key,
    ctrlKey: e.ctrlKey,
    metaKey: e.metaKey,
    shiftKey: e.shiftKey,
    altKey: e.altKey,
    editable: isEditableTarget(e.target),
  }
}

export const HOTKEY_HELP: Record<Screen, ReadonlyArray<readonly [string, string]>> = {
  viewer: [
    ['1 … 9', "Window presets of the image (1 = its own window; lung, bone … in real units)"] as const,
    ['drag', 'Window: horizontal = width, vertical = centre'],
    ['wheel / + / -', 'Zoom (Ctrl+wheel where the study has several images)'],
    ['Shift+drag / middle drag', 'Pan'],
    ['i', 'Invert'],
    ['r', 'Reset view'],
    ['wheel, ← / →, [ / ]', 'Previous / next image of the study (the item being labelled stays the same)'],
    ['w / l / d / v', 'Tool: window (drag) / length / bidirectional (long axis, then short axis) / ellipse'],
    ['Esc', 'Cancel the measurement being drawn, then leave the tool'],
    ['Delete', 'Delete the selected (else the last) measurement'],
  ],
  reading: [
    ['↓ / j, ↑ / k', 'Next / previous finding'],
    ['p / a / u', 'Present / absent / uncertain'],
    ['x', 'Every unset finding absent'],
    ['c', 'Comment on the finding'],
    ['e', 'Show / hide the report'],
    ['o', 'Model heat map on / off'],
    ['Enter (Ctrl+Enter in a field)', 'Submit and go to the next item'],
    ['b / Esc', 'Back to the item from another image (similar case, prior, other view)'],
    ['z', 'Undo the read you just submitted (within the grace period)'],
    ['s', 'Skip this item, with a reason'],
  ],
  qc: [
    ['click / Shift+click / Ctrl+click', 'Select one / a range / add'],
    ['arrows (Shift extends)', 'Move (and select)'],
    ['Space', 'Toggle selection'],
    ['Ctrl+A / Esc', 'Select all / none'],
    ['c / x', 'Confirm / reject the flag'],
    ['r / i', 'Rotate 90° / invert (correct)'],
    ['f', 'Apply each flag’s suggested fix (rotate / mirror / invert back) to the derived image'],
  ],
}
